// License name detection: Debian machine-readable copyright stanzas matched against installed paths,
// and keyword rules for free-form notices.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { licenseNames } from '../../src/data/licenses.js';

const dep5 = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: game

Files: *
Copyright: 2010 Someone
License: GPL-2+

Files: music/hr3-*.ogg
       music/extra.ogg
Copyright: A Composer
License: CC-BY-SA-3.0
 Long text of the license
 continues here.

Files: sounds/*
Copyright: Other
License: CC0-1.0
`;

test('DEP-5: the last stanza whose Files glob matches the installed path wins', () => {
  assert.deepEqual(licenseNames(dep5, 'usr/share/game/music/hr3-caves.ogg'), ['CC-BY-SA-3.0']);
  assert.deepEqual(licenseNames(dep5, 'usr/share/game/music/extra.ogg'), ['CC-BY-SA-3.0']);
  assert.deepEqual(licenseNames(dep5, 'usr/share/game/sounds/click.ogg'), ['CC0-1.0']);
  assert.deepEqual(licenseNames(dep5, 'usr/share/game/music/other.ogg'), ['GPL-2+']);
});

test('free-form notices: names in the order they appear', () => {
  assert.deepEqual(licenseNames('Vibe Ace by Kevin MacLeod, licensed CC BY 3.0'), ['CC-BY-3.0']);
  assert.deepEqual(licenseNames('Hungarian Dance is in the Public Domain.'), ['public-domain']);
  assert.deepEqual(
    licenseNames(
      'the GNU General Public License version 2; sdl_ttf under the GNU Library General Public License',
    ),
    ['GPL', 'LGPL'],
  );
  assert.deepEqual(licenseNames('Creative Commons Attribution-ShareAlike 3.0 Unported'), ['CC-BY-SA']);
  assert.deepEqual(
    licenseNames(
      'Generated. Permission is hereby granted, free of charge\nSPDX-License-Identifier: Apache-2.0 AND MIT\n',
    ),
    ['Apache-2.0 AND MIT'],
  );
  assert.deepEqual(licenseNames('CC-BY https://creativecommons.org/licenses/by/3.0/'), ['CC-BY-3.0']);
  assert.deepEqual(licenseNames('no terms given'), []);
});

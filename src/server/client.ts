// The rater page's browser script, served as /app.js (plain ES2017, no build step, no inline script so the
// Content-Security-Policy can forbid inline code). Flow: instructions and consent -> one pair at a time ->
// thank-you. Submit stays disabled until both clips have played and both questions are answered; a submit is
// safe to retry (the server recognises a repeated identical rating).

export const clientScript = `'use strict';
(function () {
  var byId = function (id) { return document.getElementById(id); };
  var sections = ['consent', 'rating', 'finished'];
  var current = null;
  var played = { a: false, b: false };
  var busy = false;

  function show(name) {
    sections.forEach(function (section) { byId(section).hidden = section !== name; });
  }
  function message(text) { byId('message').textContent = text || ''; }

  function api(method, path, body) {
    var options = { method: method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  function setProgress(position, total) {
    var done = Math.min(position - 1, total);
    byId('progress').hidden = false;
    byId('progress-text').textContent = 'Pair ' + Math.min(position, total) + ' of ' + total;
    byId('progress-fill').style.width = (100 * done / total).toFixed(1) + '%';
  }

  function answer(question) {
    var checked = document.querySelector('input[name="' + question + '"]:checked');
    return checked ? checked.value : null;
  }

  function update() {
    var missing = [];
    if (!played.a || !played.b) missing.push('play both clips');
    if (!answer('relevance') || !answer('preference')) missing.push('answer both questions');
    byId('hint').textContent = missing.length ? 'To continue, please ' + missing.join(' and ') + '.' : '';
    byId('submit').disabled = busy || missing.length > 0;
  }

  function markPlayed(side) {
    var video = byId('video-' + side);
    var enough = Math.min(2, (video.duration || 0) / 2);
    if (!played[side] && (video.ended || video.currentTime >= enough)) {
      played[side] = true;
      byId('clip-' + side).querySelector('.played').hidden = false;
      byId('clip-' + side).classList.add('done');
      update();
    }
  }

  ['a', 'b'].forEach(function (side) {
    var video = byId('video-' + side);
    var other = byId('video-' + (side === 'a' ? 'b' : 'a'));
    video.addEventListener('play', function () { if (!other.paused) other.pause(); });
    video.addEventListener('timeupdate', function () { markPlayed(side); });
    video.addEventListener('ended', function () { markPlayed(side); });
  });

  function render(assignment) {
    current = assignment;
    played = { a: false, b: false };
    ['a', 'b'].forEach(function (side) {
      var video = byId('video-' + side);
      video.pause();
      video.src = '/media/' + encodeURIComponent(side === 'a' ? assignment.clipA : assignment.clipB);
      video.load();
      byId('clip-' + side).querySelector('.played').hidden = true;
      byId('clip-' + side).classList.remove('done');
    });
    byId('answers').reset();
    setProgress(assignment.position, assignment.total);
    show('rating');
    update();
    window.scrollTo(0, 0);
  }

  function finish(data) {
    show('finished');
    setProgress(data.total + 1, data.total);
    byId('progress-fill').style.width = '100%';
    byId('progress-text').textContent = data.rated + ' rated';
    byId('finished-text').textContent = data.rated > 0
      ? 'You rated ' + data.rated + (data.rated === 1 ? ' pair' : ' pairs') + '. Your answers are saved; you can close this page.'
      : 'There are no pairs left to rate right now. Thank you for your time!';
  }

  function loadNext() {
    return api('GET', '/api/next').then(function (result) {
      if (result.status === 403) { show('consent'); return; }
      if (result.status !== 200) { message(result.data.error || 'Could not load the next pair; please reload.'); return; }
      if (result.data.done) finish(result.data); else render(result.data);
    }, function () { message('Network problem; please reload the page.'); });
  }

  byId('answers').addEventListener('change', update);
  byId('answers').addEventListener('submit', function (event) {
    event.preventDefault();
    if (busy || !current) return;
    busy = true;
    update();
    message('Saving...');
    api('POST', '/api/ratings', {
      assignmentId: current.assignmentId,
      relevance: answer('relevance'),
      preference: answer('preference'),
    }).then(function (result) {
      busy = false;
      if (result.status === 200) { message('Saved.'); return loadNext(); }
      if (result.status === 409 || result.status === 404) { message(result.data.error || ''); return loadNext(); }
      message((result.data.error || 'Could not save') + '. Please try again.');
      update();
    }, function () {
      busy = false;
      message('Network problem: your answer was not confirmed. Please press submit again.');
      update();
    });
  });

  byId('start').addEventListener('click', function () {
    byId('start').disabled = true;
    api('POST', '/api/raters', {}).then(function (result) {
      if (result.status !== 200) { byId('start').disabled = false; message(result.data.error || 'Could not start.'); return; }
      message('');
      return loadNext();
    }, function () { byId('start').disabled = false; message('Network problem; please try again.'); });
  });

  api('GET', '/api/session').then(function (result) {
    if (result.status === 200 && result.data.rater) loadNext(); else show('consent');
  }, function () { show('consent'); message('Network problem; please reload the page.'); });
})();
`;

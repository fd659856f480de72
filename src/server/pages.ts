// Server-rendered HTML: the rater page (instructions and consent, then one pair at a time; the behaviour is in
// client.ts) and the token-protected admin progress page. Wording of the questions and scale comes from
// src/study/questions.ts, i.e. verbatim from the V2Meow paper.

import type { StudyProgress } from '../study/progress.js';
import { answerLabels, answers, ignoreQualityNote, questions } from '../study/questions.js';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/app.css">
</head>
<body>
${body}
</body>
</html>
`;
}

function scale(questionId: string): string {
  return answers
    .map(
      (answer) => `<label class="choice choice-${answer}">
        <input type="radio" name="${questionId}" value="${answer}" required>
        <span>${escapeHtml(answerLabels[answer])}</span>
      </label>`,
    )
    .join('\n');
}

/** The rater page. */
export function raterPage(title: string): string {
  const questionBlocks = questions
    .map(
      (question, index) => `<fieldset class="question" data-question="${question.id}">
      <legend><span class="number">Q${index + 1}</span> ${escapeHtml(question.text)}</legend>
      <div class="scale" role="radiogroup">${scale(question.id)}</div>
    </fieldset>`,
    )
    .join('\n');
  return layout(
    title,
    `<main>
<header><h1>${escapeHtml(title)}</h1><div id="progress" class="progress" hidden><div class="bar"><div id="progress-fill"></div></div><span id="progress-text"></span></div></header>

<section id="consent" hidden>
  <h2>Instructions</h2>
  <p>You will watch short videos, each twice: once with music <b>A</b> and once with music <b>B</b>. The picture is the
  same; only the music differs. Please play both clips with sound (headphones help), then answer two questions:</p>
  <ol>${questions.map((question) => `<li>${escapeHtml(question.text)}</li>`).join('')}</ol>
  <p class="note">${escapeHtml(ignoreQualityNote)}</p>
  <p>Answer on a five-point scale from "strongly A" to "strongly B"; choose "no preference" when you have none.</p>
  <h2>Consent</h2>
  <p>Taking part is voluntary and anonymous: we store only a random id for you and your answers. You can stop at
  any time by closing this page; answers already submitted are kept.</p>
  <button id="start" type="button" class="primary">I agree, start</button>
</section>

<section id="rating" hidden>
  <div class="clips">
    <figure class="clip" id="clip-a"><figcaption>Music A <span class="played" hidden>&#10003; played</span></figcaption>
      <video id="video-a" controls playsinline preload="metadata"></video></figure>
    <figure class="clip" id="clip-b"><figcaption>Music B <span class="played" hidden>&#10003; played</span></figcaption>
      <video id="video-b" controls playsinline preload="metadata"></video></figure>
  </div>
  <p class="note">${escapeHtml(ignoreQualityNote)}</p>
  <form id="answers" novalidate>
    ${questionBlocks}
    <p id="hint" class="hint"></p>
    <button id="submit" type="submit" class="primary" disabled>Submit and continue</button>
  </form>
</section>

<section id="finished" hidden>
  <h2>Thank you!</h2>
  <p id="finished-text">Your answers are saved. You can close this page.</p>
</section>

<p id="message" class="message" role="status" aria-live="polite"></p>
<noscript><p class="message">This study needs JavaScript to play the clips and record your answers.</p></noscript>
</main>
<script src="/app.js"></script>`,
  );
}

/** The admin progress page. */
export function adminPage(progress: StudyProgress): string {
  const rows = progress.pairs
    .map(
      (
        pair,
      ) => `<tr${pair.isControl ? ' class="control"' : ''}><td>${pair.pairId}</td><td>${escapeHtml(pair.video)}</td>
      <td>${escapeHtml(pair.first)}</td><td>${pair.isControl ? '(control)' : escapeHtml(pair.second)}</td>
      <td>${pair.rated}${pair.isControl ? '' : ` / ${pair.quota}`}</td></tr>`,
    )
    .join('\n');
  const wanted = progress.pairs.reduce((sum, pair) => sum + pair.quota, 0);
  return layout(
    `${progress.title}: progress`,
    `<main class="admin">
<h1>${escapeHtml(progress.title)}: progress</h1>
<p>${progress.ratings} ratings from ${progress.raters} raters (${progress.ratersFinished} finished);
${wanted - progress.ratingsWanted} of ${wanted} quota places filled, ${progress.ratingsWanted} still wanted;
${progress.reserved} reserved (handed out, not yet rated).</p>
<table><thead><tr><th>pair</th><th>video</th><th>system</th><th>vs</th><th>ratings</th></tr></thead>
<tbody>${rows}</tbody></table>
</main>`,
  );
}

/** A small error page. */
export function errorPage(status: number, message: string): string {
  return layout(`Error ${status}`, `<main><h1>Error ${status}</h1><p>${escapeHtml(message)}</p></main>`);
}

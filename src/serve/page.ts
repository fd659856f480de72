// The `v2meow serve` page: plain HTML, CSS and JS (no build step). Choose a video, type a style (the tags it
// maps to appear as you type, from GET /api/style), candidates and seed; a progress bar per stage follows the
// job's server-sent events; each candidate plays as a video with its mel-spectrogram and beats (the CLI's
// --plot) and its download link; "again with another seed" queues the same video and options anew. The
// browser's past jobs (ids in localStorage, states from the API; expired ones marked) are listed below.
// Narrow screens stack.

export const servePage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>v2meow: music for your video</title>
<link rel="stylesheet" href="/serve.css">
</head>
<body>
<main>
<h1>v2meow</h1>
<p class="lead">Music for a video: choose a clip, describe a style (or not), and get soundtracks to choose from.</p>
<form id="form">
  <label>Video <input type="file" id="video" name="video" accept="video/*"></label>
  <label>Style <input type="text" id="text" name="text" maxlength="500" placeholder="calm piano"></label>
  <p id="tags" class="tags" aria-live="polite"></p>
  <div class="row">
    <label>Seconds <input type="number" id="seconds" name="seconds" min="0.5" max="600" step="0.5" placeholder="whole video"></label>
    <label>Start <input type="number" id="start" name="start" min="0" step="0.5" value="0"></label>
    <label>Candidates <input type="number" id="candidates" name="candidates" min="1" max="4" value="2"></label>
    <label>Seed <input type="number" id="seed" name="seed" min="0" value="0"></label>
  </div>
  <button type="submit" id="go">Generate</button>
  <p id="error" class="error" role="alert"></p>
</form>
<section id="job" hidden>
  <h2 id="status">Queued</h2>
  <p id="summary" class="summary"></p>
  <div id="bars"></div>
  <div id="results"></div>
  <button type="button" id="again" class="secondary">Again with another seed</button>
</section>
<section id="past" hidden>
  <h2>Your past jobs</h2>
  <ol id="history"></ol>
</section>
</main>
<script src="/serve.js"></script>
</body>
</html>
`;

export const serveStyles = `*{box-sizing:border-box}
body{margin:0;font:16px/1.4 system-ui,sans-serif;background:#f6f5f2;color:#222}
main{max-width:52rem;margin:0 auto;padding:1rem}
h1{margin:.2rem 0}.lead{color:#555}
form{display:grid;gap:.7rem;background:#fff;padding:1rem;border-radius:.6rem;box-shadow:0 1px 3px #0002}
label{display:grid;gap:.2rem;font-weight:600;font-size:.9rem}
input{font:inherit;padding:.45rem;border:1px solid #bbb;border-radius:.35rem;width:100%}
.row{display:grid;grid-template-columns:repeat(4,1fr);gap:.6rem}
button{font:inherit;padding:.6rem 1rem;border:0;border-radius:.4rem;background:#2b5fad;color:#fff;cursor:pointer}
button:disabled{background:#888}
.tags{margin:0;min-height:1.4em;display:flex;flex-wrap:wrap;gap:.3rem}
.tag{background:#e4ecf7;border-radius:1rem;padding:.1rem .6rem;font-size:.85rem}
.unknown{background:#f4e3e3}
.error{color:#a11;margin:0}
.bar{display:grid;grid-template-columns:5rem 1fr 3rem;gap:.5rem;align-items:center;margin:.3rem 0}
progress{width:100%;height:1rem}
.candidate{background:#fff;padding:.7rem;border-radius:.6rem;margin:.8rem 0;box-shadow:0 1px 3px #0002}
.candidate video,.candidate audio{width:100%;display:block}
.candidate .media{display:grid;grid-template-columns:1fr 1fr;gap:.6rem;align-items:start}
.candidate .media audio{grid-column:1/-1}
.candidate a{display:inline-block;margin-top:.4rem}
.candidate img{width:100%;height:auto;display:block;border-radius:.3rem}
.secondary{background:#fff;color:#2b5fad;border:1px solid #2b5fad;margin-top:.4rem}
.summary{color:#555;margin:.2rem 0;overflow-wrap:anywhere}
#history{list-style:none;padding:0;margin:0;display:grid;gap:.4rem}
#history button{width:100%;text-align:left;background:#fff;color:#222;border:1px solid #ccc;display:flex;justify-content:space-between;gap:.5rem}
#history .state{font-size:.85rem;color:#555;white-space:nowrap}
#history .expired button{color:#999;background:#eee;cursor:default}
#history .current button{border-color:#2b5fad;box-shadow:0 0 0 1px #2b5fad}
@media (max-width:36rem){.row{grid-template-columns:1fr 1fr}main{padding:.6rem}.candidate .media{grid-template-columns:1fr}#history button{flex-direction:column;gap:.1rem}}
`;

export const serveScript = `'use strict';
const $ = (id) => document.getElementById(id);
const steps = ['features', 'stage1', 'stage2', 'stage3', 'codec'];
const historyKey = 'v2meow.jobs';
let styleTimer = 0;
let current = null; // the job shown
let source = null; // its event stream

$('text').addEventListener('input', () => {
  clearTimeout(styleTimer);
  styleTimer = setTimeout(showStyle, 200);
});

async function showStyle() {
  const text = $('text').value;
  const box = $('tags');
  const response = await fetch('/api/style?text=' + encodeURIComponent(text));
  if (!response.ok) { box.textContent = ''; return; }
  const style = await response.json();
  box.textContent = '';
  for (const tag of style.tags) {
    const span = document.createElement('span');
    span.className = 'tag';
    span.textContent = tag.label.replace(/^(mtt|msd):/, '');
    box.append(span);
  }
  for (const word of style.unknownWords) {
    const span = document.createElement('span');
    span.className = 'tag unknown';
    span.textContent = word + '?';
    box.append(span);
  }
}

function showBars() {
  const bars = $('bars');
  bars.textContent = '';
  for (const step of steps) {
    const row = document.createElement('div');
    row.className = 'bar';
    const name = document.createElement('span');
    name.textContent = step;
    const bar = document.createElement('progress');
    bar.id = 'bar-' + step;
    bar.max = 1;
    bar.value = 0;
    const pct = document.createElement('span');
    pct.id = 'pct-' + step;
    pct.textContent = '0%';
    row.append(name, bar, pct);
    bars.append(row);
  }
}

function setProgress(p) {
  if (!p || !steps.includes(p.step)) return;
  for (const step of steps.slice(0, steps.indexOf(p.step))) {
    $('bar-' + step).value = 1;
    $('pct-' + step).textContent = '100%';
  }
  const f = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  $('bar-' + p.step).value = f;
  $('pct-' + p.step).textContent = Math.round(f * 100) + '%';
}

function describeJob(job) {
  const parts = [job.input || 'text only'];
  if (job.text) parts.push('"' + job.text + '"');
  parts.push('seed ' + job.seed);
  parts.push(job.candidates + (job.candidates > 1 ? ' candidates' : ' candidate'));
  return parts.join(' · ');
}

function showResults(job) {
  const box = $('results');
  box.textContent = '';
  if (job.state === 'failed') { $('status').textContent = 'Failed: ' + (job.error || 'unknown error'); return; }
  $('status').textContent = 'Done: ' + job.outputs.length + ' candidate' + (job.outputs.length > 1 ? 's' : '');
  for (const step of steps) { $('bar-' + step).value = 1; $('pct-' + step).textContent = '100%'; }
  job.outputs.forEach((output, k) => {
    const card = document.createElement('div');
    card.className = 'candidate';
    const title = document.createElement('h3');
    title.textContent = 'Candidate ' + (k + 1);
    const media = document.createElement(output.name.endsWith('.wav') ? 'audio' : 'video');
    media.controls = true;
    media.preload = 'metadata';
    media.playsInline = true;
    // a video shows its frame at 0.1 s rather than a blank box until played
    media.src = output.url + (output.name.endsWith('.wav') ? '' : '#t=0.1');
    const both = document.createElement('div');
    both.className = 'media';
    both.append(media);
    if (output.plot) {
      const plot = document.createElement('img');
      plot.src = output.plot;
      plot.alt = 'Mel-spectrogram of candidate ' + (k + 1) + ' with its beats (top: the video\\'s visual beats)';
      plot.loading = 'lazy';
      both.append(plot);
    }
    card.append(title, both);
    const link = document.createElement('a');
    link.href = output.url + '?download';
    link.textContent = 'Download';
    link.setAttribute('download', '');
    card.append(link);
    box.append(card);
  });
}

function statusOf(job) {
  return job.state === 'active' ? 'Generating' : job.state === 'waiting' || job.state === 'delayed' ? 'Queued' : job.state;
}

/** Shows a job in the job section: its results when finished, else its progress as it comes. */
function show(job) {
  if (source) { source.close(); source = null; }
  current = job.id;
  $('job').hidden = false;
  $('results').textContent = '';
  $('summary').textContent = describeJob(job);
  $('again').disabled = false;
  showBars();
  markCurrent();
  if (job.state === 'completed' || job.state === 'failed') { showResults(job); return; }
  $('status').textContent = statusOf(job);
  setProgress(job.progress);
  const id = job.id;
  source = new EventSource('/api/jobs/' + id + '/events');
  source.addEventListener('state', (e) => {
    const now = JSON.parse(e.data);
    $('status').textContent = statusOf(now);
    setProgress(now.progress);
  });
  source.addEventListener('active', () => { $('status').textContent = 'Generating'; });
  source.addEventListener('progress', (e) => { $('status').textContent = 'Generating'; setProgress(JSON.parse(e.data)); });
  source.addEventListener('done', (e) => {
    source.close();
    source = null;
    $('go').disabled = false;
    const done = JSON.parse(e.data);
    if (current === id) showResults(done);
    updateHistoryItem(done);
  });
}

// ---- history: ids in localStorage, states from the API ----
function storedIds() {
  try { return JSON.parse(localStorage.getItem(historyKey) || '[]').filter((id) => /^[0-9a-f]{24}$/.test(id)); }
  catch { return []; }
}

function remember(id) {
  const ids = [id, ...storedIds().filter((x) => x !== id)].slice(0, 30);
  localStorage.setItem(historyKey, JSON.stringify(ids));
}

function historyItem(id) {
  let item = document.getElementById('h-' + id);
  if (item) return item;
  item = document.createElement('li');
  item.id = 'h-' + id;
  const button = document.createElement('button');
  button.type = 'button';
  const label = document.createElement('span');
  label.className = 'label';
  label.textContent = id.slice(0, 8);
  const state = document.createElement('span');
  state.className = 'state';
  button.append(label, state);
  item.append(button);
  return item;
}

function updateHistoryItem(job) {
  const item = historyItem(job.id);
  const when = new Date(job.createdMs);
  item.querySelector('.label').textContent = describeJob(job);
  item.querySelector('.state').textContent = job.state + ' · ' + when.toLocaleDateString() + ' ' + when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  item.querySelector('button').onclick = () => show(job);
}

function markCurrent() {
  for (const item of $('history').children) item.classList.toggle('current', item.id === 'h-' + current);
}

async function loadHistory() {
  const ids = storedIds();
  $('past').hidden = ids.length === 0;
  const list = $('history');
  list.textContent = '';
  for (const id of ids) list.append(historyItem(id));
  await Promise.all(ids.map(async (id) => {
    const item = historyItem(id);
    const response = await fetch('/api/jobs/' + id).catch(() => null);
    if (response && response.ok) { updateHistoryItem(await response.json()); return; }
    if (response && response.status === 404) {
      item.classList.add('expired');
      item.querySelector('.state').textContent = 'expired';
      item.querySelector('button').disabled = true;
    }
  }));
  markCurrent();
}

function started(job) {
  remember(job.id);
  $('past').hidden = false;
  $('history').prepend(historyItem(job.id));
  updateHistoryItem(job);
  show(job);
}

$('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('error').textContent = '';
  const form = new FormData();
  const file = $('video').files[0];
  for (const name of ['text', 'seconds', 'start', 'candidates', 'seed']) form.append(name, $(name).value);
  if (file) form.append('video', file, file.name);
  $('go').disabled = true;
  const response = await fetch('/api/jobs', { method: 'POST', body: form }).catch(() => null);
  const body = response ? await response.json().catch(() => ({ error: 'the server did not answer' })) : { error: 'the server did not answer' };
  if (!response || !response.ok) { $('go').disabled = false; $('error').textContent = body.error; return; }
  started(body);
});

$('again').addEventListener('click', async () => {
  if (!current) return;
  $('again').disabled = true;
  $('error').textContent = '';
  const response = await fetch('/api/jobs/' + current + '/again', { method: 'POST' }).catch(() => null);
  const body = response ? await response.json().catch(() => ({ error: 'the server did not answer' })) : { error: 'the server did not answer' };
  if (!response || !response.ok) { $('again').disabled = false; $('error').textContent = body.error; return; }
  started(body);
});

loadHistory();
`;

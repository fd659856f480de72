// The rater and admin pages' stylesheet, served as /app.css. Mobile first: clips stack on narrow screens and
// sit side by side from 720 px; the 5-point scale stays one row of large touch targets.

export const styles = `
:root { --a: #1f6fd1; --b: #d9731a; --ink: #1d2330; --muted: #5b6475; --line: #d8dde6; --bg: #f5f7fa; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 12px 14px 40px; }
header { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px 16px; margin-bottom: 10px; }
h1 { font-size: 1.25rem; margin: 6px 0; }
h2 { font-size: 1.1rem; margin: 18px 0 6px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 14px; }
.progress { display: flex; align-items: center; gap: 10px; font-size: .9rem; color: var(--muted); }
.progress .bar { width: 160px; height: 8px; background: var(--line); border-radius: 4px; overflow: hidden; }
#progress-fill { height: 100%; width: 0; background: #2e9e5b; transition: width .3s; }
.clips { display: grid; grid-template-columns: 1fr; gap: 12px; }
@media (min-width: 720px) { .clips { grid-template-columns: 1fr 1fr; } }
.clip { margin: 0; border: 2px solid var(--line); border-radius: 10px; padding: 8px; background: #fafbfd; }
#clip-a { border-color: color-mix(in srgb, var(--a) 45%, white); }
#clip-b { border-color: color-mix(in srgb, var(--b) 45%, white); }
.clip figcaption { font-weight: 700; margin-bottom: 6px; display: flex; justify-content: space-between; }
#clip-a figcaption { color: var(--a); }
#clip-b figcaption { color: var(--b); }
.played { color: #2e9e5b; font-weight: 600; font-size: .9rem; }
video { width: 100%; aspect-ratio: 16 / 9; background: #000; border-radius: 6px; display: block; }
.note { background: #fff8e1; border-left: 4px solid #f2b705; padding: 8px 10px; border-radius: 4px; margin: 12px 0; font-size: .95rem; }
.question { border: none; margin: 14px 0 0; padding: 0; }
.question legend { font-weight: 650; margin-bottom: 8px; padding: 0; }
.question .number { display: inline-block; background: var(--ink); color: #fff; border-radius: 4px; padding: 0 6px; margin-right: 4px; font-size: .85rem; }
.scale { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)) minmax(0, 1.35fr) repeat(2, minmax(0, 1fr)); gap: 6px; }
@media (max-width: 480px) { section { padding: 10px; } main { padding: 10px 8px 32px; } .scale { gap: 4px; } .choice { font-size: .78rem; min-height: 56px; padding: 4px 2px; } }
.choice { position: relative; display: flex; align-items: center; justify-content: center; text-align: center; min-height: 52px;
  border: 2px solid var(--line); border-radius: 8px; padding: 4px 3px; cursor: pointer; font-size: .85rem; line-height: 1.2; background: #fff; user-select: none; }
.choice input { position: absolute; opacity: 0; pointer-events: none; }
.choice-strongA, .choice-weakA { color: var(--a); }
.choice-strongB, .choice-weakB { color: var(--b); }
.choice-none { color: var(--muted); }
.choice:has(input:focus-visible) { outline: 3px solid #94b8ef; outline-offset: 1px; }
.choice-strongA:has(input:checked), .choice-weakA:has(input:checked) { background: var(--a); border-color: var(--a); color: #fff; }
.choice-strongB:has(input:checked), .choice-weakB:has(input:checked) { background: var(--b); border-color: var(--b); color: #fff; }
.choice-none:has(input:checked) { background: var(--muted); border-color: var(--muted); color: #fff; }
.hint { color: var(--muted); font-size: .9rem; min-height: 1.3em; margin: 12px 0 6px; }
button.primary { font: inherit; font-weight: 650; background: #2e9e5b; color: #fff; border: none; border-radius: 8px; padding: 12px 20px; width: 100%; cursor: pointer; }
@media (min-width: 720px) { button.primary { width: auto; min-width: 260px; } }
button.primary:disabled { background: #aab3c0; cursor: not-allowed; }
.message { color: var(--muted); min-height: 1.3em; text-align: center; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: .9rem; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; }
tr.control td { color: var(--muted); }
`;

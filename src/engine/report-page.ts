/**
 * The style and script inlined into report.html: the page needs no network and no file but its media.
 * The script only wires the before/after sliders and keeps each pair of videos in step.
 */
export const PAGE_STYLE = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #656d76; --bg: #fff; --card: #f6f8fa; --line: #d0d7de;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --info: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #8d96a0; --bg: #0d1117; --card: #161b22; --line: #30363d; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 24px; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 32px 0 12px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 0 0 8px; } code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 8px; overflow: auto; white-space: pre-wrap; word-break: break-word; }
.muted { color: var(--muted); }
.badge { display: inline-block; border-radius: 999px; padding: 0 10px; font-size: 13px; font-weight: 600; border: 1px solid currentColor; margin-right: 6px; white-space: nowrap; }
.s-succeeded { color: var(--ok); } .s-failed { color: var(--bad); } .s-cached { color: var(--info); } .s-interrupted, .s-skipped, .s-cancelled, .s-running_at_provider { color: var(--warn); }
.badge.offline { color: #8250df; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 24px; margin: 12px 0; } .facts div { min-width: 90px; } .facts b { display: block; font-size: 20px; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin: 16px 0; }
.media { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure { margin: 0; max-width: 100%; } figcaption { font-size: 13px; color: var(--muted); }
video, img.poster, img.anim { display: block; max-width: 100%; height: auto; max-height: 420px; width: auto; background: #000; border-radius: 4px; object-fit: contain; }
img.strip { display: block; max-width: 100%; border-radius: 4px; }
.timeline { position: relative; }
.tl-row { display: grid; grid-template-columns: 160px 1fr 70px; gap: 8px; align-items: center; height: 24px; }
.tl-bar { position: relative; height: 14px; background: var(--card); border-radius: 3px; overflow: hidden; }
.tl-span { position: absolute; top: 0; bottom: 0; min-width: 1px; }
.p-waiting { background: transparent; } .p-queued { background: #d4a72c; } .p-uploading { background: #54aeff; }
.p-submitting { background: #8250df; } .p-running { background: #2da44e; } .p-downloading { background: #0969da; }
.legend span { display: inline-flex; align-items: center; gap: 4px; margin-right: 12px; font-size: 13px; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 2px; }
.ba { position: relative; width: 640px; max-width: 100%; background: #000; border-radius: 4px; overflow: hidden; --pos: 50%; }
.ba video { position: absolute; inset: 0; width: 100%; height: 100%; max-height: none; object-fit: contain; border-radius: 0; }
.ba video.after { clip-path: inset(0 0 0 var(--pos)); }
.ba .divider { position: absolute; top: 0; bottom: 0; left: var(--pos); width: 2px; background: #fff; box-shadow: 0 0 3px #000; pointer-events: none; }
.ba .label { position: absolute; top: 6px; padding: 0 6px; background: rgba(0,0,0,.6); color: #fff; font-size: 12px; border-radius: 3px; }
.ba .label.b { left: 6px; } .ba .label.a { right: 6px; }
.ba-controls { display: flex; gap: 8px; align-items: center; width: 640px; max-width: 100%; margin-top: 6px; }
.ba-controls input { flex: 1; }
.notes li { margin: 4px 0; }
.sheet { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin: 12px 0; }
.sheet figure { min-width: 0; } .sheet figcaption { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.sheet img, .sheet .none { display: block; width: 100%; aspect-ratio: 16 / 9; object-fit: contain; background: #000; border-radius: 4px; }
.sheet .none { display: flex; align-items: center; justify-content: center; background: var(--bg); border: 1px dashed var(--line); font-size: 13px; }
`;

export const PAGE_SCRIPT = `
(function () {
  for (const box of document.querySelectorAll('.ba')) {
    const before = box.querySelector('video.before');
    const after = box.querySelector('video.after');
    const range = box.parentElement.querySelector('input.ba-range');
    const play = box.parentElement.querySelector('button.ba-play');
    const show = () => box.style.setProperty('--pos', range.value + '%');
    range.addEventListener('input', show);
    show();
    // The after video leads; the before follows it, so both show the same moment.
    const follow = () => {
      if (Math.abs(before.currentTime - after.currentTime) > 0.05 && after.currentTime <= (before.duration || Infinity)) before.currentTime = after.currentTime;
    };
    after.addEventListener('seeked', follow);
    after.addEventListener('timeupdate', follow);
    after.addEventListener('play', () => { follow(); before.play().catch(() => {}); });
    after.addEventListener('pause', () => before.pause());
    play.addEventListener('click', () => {
      if (after.paused) after.play().catch(() => {}); else after.pause();
    });
  }
})();
`;

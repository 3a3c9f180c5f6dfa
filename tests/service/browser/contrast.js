// Every visible text's contrast against its effective background (WCAG 2.1 AA: 4.5:1, or 3:1 for large
// text: 24px, or 18.66px bold), in the document or in one element's shadow root. Backgrounds are found by
// walking up the ancestors (through shadow hosts) and compositing translucent layers over white.
// Returns the failures as [text, ratio, colour, background].
(rootSel) => {
  const root = rootSel === 'document' ? document : document.querySelector(rootSel).shadowRoot;
  const parse = c => { const m = c.match(/[\d.]+/g) || [0, 0, 0, 0]; return [+m[0], +m[1], +m[2], m[3] === undefined ? 1 : +m[3]]; };
  const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const lum = c => { const v = c.slice(0, 3).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
                     return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const up = e => e.parentElement || (e.getRootNode() && e.getRootNode().host) || null;
  const background = e => {
    const layers = [];
    for (let n = e; n; n = up(n)) { const b = parse(getComputedStyle(n).backgroundColor); if (b[3] > 0) { layers.push(b); if (b[3] === 1) break; } }
    let c = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) c = over(layers[i], c);
    return c;
  };
  const visible = e => { for (let n = e; n; n = up(n)) { const s = getComputedStyle(n);
      if (s.display === 'none' || s.visibility === 'hidden' || +s.opacity === 0) return false; } return e.getClientRects().length > 0; };
  const bad = [];
  for (const e of root.querySelectorAll('*')) {
    if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    if (!visible(e)) continue;
    const s = getComputedStyle(e), bg = background(e), fg = over(parse(s.color), bg);
    const l1 = lum(fg), l2 = lum(bg), ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const px = parseFloat(s.fontSize), large = px >= 24 || (px >= 18.66 && +s.fontWeight >= 700);
    if (ratio < (large ? 3 : 4.5)) bad.push([e.textContent.trim().slice(0, 30), Math.round(ratio * 100) / 100, s.color, 'rgb(' + bg.slice(0, 3).join(',') + ')']);
  }
  return bad;
}

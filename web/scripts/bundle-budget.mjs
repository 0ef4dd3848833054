// The app's own JavaScript must stay within 250 KB gzipped; hls.js (loaded only by the
// player, in its own chunk) is measured but not counted. Fails the build when over budget.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_KB = 250;
const assets = new URL("../dist/assets/", import.meta.url).pathname;
const rows = readdirSync(assets)
  .filter((name) => name.endsWith(".js"))
  .map((name) => {
    const bytes = readFileSync(join(assets, name));
    const gzip = gzipSync(bytes, { level: 9 }).length;
    return { name, kb: bytes.length / 1024, gzipKb: gzip / 1024, hls: /^hls\b/i.test(name) };
  });
const app = rows.filter((r) => !r.hls).reduce((sum, r) => sum + r.gzipKb, 0);
const hls = rows.filter((r) => r.hls).reduce((sum, r) => sum + r.gzipKb, 0);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(40)} ${r.kb.toFixed(1).padStart(8)} KB  ${r.gzipKb.toFixed(1).padStart(7)} KB gzip${r.hls ? "  (hls.js, not counted)" : ""}`,
  );
}
console.log(
  `app JavaScript: ${app.toFixed(1)} KB gzipped (budget ${BUDGET_KB} KB); hls.js: ${hls.toFixed(1)} KB`,
);
writeFileSync(
  new URL("../dist/bundle-size.json", import.meta.url),
  JSON.stringify({
    app_gzip_kb: +app.toFixed(1),
    hls_gzip_kb: +hls.toFixed(1),
    budget_kb: BUDGET_KB,
  }),
);
if (app > BUDGET_KB) {
  console.error(`over budget by ${(app - BUDGET_KB).toFixed(1)} KB`);
  process.exit(1);
}
if (hls === 0) {
  console.error("no hls.js chunk found: the player must load hls.js on its own");
  process.exit(1);
}

/**
 * Bundles the operator console with esbuild, in memory, the first time it is
 * asked for (about a tenth of a second), so the server serves it with no
 * separate build step. The result is cached for the life of the process.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface ConsoleAssets {
  html: string;
  js: string;
  css: string;
  /** Content hash, for ETags and cache-busting asset URLs. */
  version: string;
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

let cached: Promise<ConsoleAssets> | undefined;

export function consoleAssets(): Promise<ConsoleAssets> {
  cached ??= (async () => {
    const result = await build({
      entryPoints: [here('./main.tsx')],
      bundle: true,
      write: false,
      format: 'esm',
      target: 'es2022',
      minify: true,
      jsx: 'automatic',
      define: { 'process.env.NODE_ENV': '"production"' },
      logLevel: 'silent',
    });
    const js = result.outputFiles[0]!.text;
    const css = readFileSync(here('./styles.css'), 'utf8');
    const version = createHash('sha256').update(js).update(css).digest('hex').slice(0, 12);
    const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tollgate console</title>
<link rel="stylesheet" href="/console/assets/app.css?v=${version}">
</head>
<body>
<div id="root"></div>
<script type="module" src="/console/assets/app.js?v=${version}"></script>
</body>
</html>`;
    return { html, js, css, version };
  })();
  cached.catch(() => (cached = undefined));
  return cached;
}

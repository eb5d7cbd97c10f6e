// markdown-it: rendering a large Markdown document to HTML, as a static site
// generator or a docs server does: CPU in the parser and renderer.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import MarkdownIt from 'markdown-it';
import { digest } from './digest.js';

export default function job(i, { data }) {
  const md = new MarkdownIt({ linkify: i % 2 === 0, typographer: true });
  const html = md.render(readFileSync(path.join(data, 'doc.md'), 'utf8'));
  return { bytes: html.length, digest: digest(html) };
}

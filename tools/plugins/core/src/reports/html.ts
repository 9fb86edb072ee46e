export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export interface HtmlSection {
  heading: string;
  /** Paragraphs of plain text (escaped). */
  text?: string[];
  table?: { headers: string[]; rows: unknown[][]; rowClass?: (row: unknown[]) => string | undefined };
}

/** A self-contained page (no scripts, no external assets) that a person can open from a CI artefact. */
export function htmlPage(title: string, sections: readonly HtmlSection[]): string {
  const body = sections
    .map((section) => {
      const text = (section.text ?? []).map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
      const table = section.table
        ? `<table><thead><tr>${section.table.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>\n${section.table.rows
            .map((row) => {
              const cls = section.table?.rowClass?.(row);
              return `<tr${cls ? ` class="${escapeHtml(cls)}"` : ''}>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`;
            })
            .join('\n')}</tbody></table>`
        : '';
      return `<section><h2>${escapeHtml(section.heading)}</h2>\n${text}\n${table}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1b1f24}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
tr.fail td,tr.critical td,tr.high td{background:#ffebe9}
tr.medium td,tr.not-run td{background:#fff8c5}
tr.suppressed td{color:#57606a}
</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;
}

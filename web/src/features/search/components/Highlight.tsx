/** Text with the search service's `<mark>` highlights, and nothing else rendered as HTML:
 * the snippet is split on the marks and every piece shown as text. */
export function Highlight({ html, fallback }: { html?: string | null; fallback: string }) {
  if (!html) return <>{fallback}</>;
  const parts = html.split(/(<mark>.*?<\/mark>)/gs);
  return (
    <>
      {parts.map((part, i) => {
        const marked = /^<mark>(.*)<\/mark>$/s.exec(part);
        const key = `${i}-${part.length}`;
        return marked ? (
          <mark key={key}>{decode(marked[1] ?? "")}</mark>
        ) : (
          <span key={key}>{decode(part)}</span>
        );
      })}
    </>
  );
}

function decode(text: string): string {
  return text
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

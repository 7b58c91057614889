/** Splits a mail's text into what was written now and the quoted history below it
 * ("> " lines, or everything after an "On ... wrote:" / "-----Original Message-----" line). */
const QUOTE_HEADER =
  /^(On .+ wrote:|Am .+ schrieb .+:|-{2,}\s*Original Message\s*-{2,}|-{2,}\s*Ursprüngliche Nachricht\s*-{2,})\s*$/i

export function splitQuoted(text: string): { main: string; quoted: string } {
  const lines = text.replace(/\r\n/g, '\n').split('\n')
  let cut = lines.findIndex((line) => QUOTE_HEADER.test(line.trim()))
  if (cut < 0) {
    // a trailing block of "> " lines
    let end = lines.length
    while (end > 0 && (lines[end - 1]!.startsWith('>') || !lines[end - 1]!.trim())) end -= 1
    cut = lines.slice(end).some((l) => l.startsWith('>')) ? end : -1
  }
  if (cut <= 0) return { main: text.trim(), quoted: '' }
  return { main: lines.slice(0, cut).join('\n').trim(), quoted: lines.slice(cut).join('\n').trim() }
}

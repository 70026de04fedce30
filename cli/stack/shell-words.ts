/*
 * A command string split into words as docker's compose loader splits `command: echo "a b"`
 * (google/shlex: POSIX-like quoting and escapes, no variable expansion, `#` starts a comment).
 */

/** The words of `s`; throws on an unclosed quote or a trailing escape. */
export function splitShellWords(s: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const push = (c: string): void => { word = (word ?? "") + c; };
  while (i < s.length) {
    const c = s[i] ?? "";
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      i++;
    } else if (c === "#" && word === undefined) {
      break;
    } else if (c === "\\") {
      if (i + 1 >= s.length) throw new Error("EOF found after escape character");
      push(s[i + 1] ?? "");
      i += 2;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new Error("EOF found when expecting closing quote");
      push(s.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      i = readDouble(s, i + 1, push);
    } else {
      push(c);
      i++;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

function readDouble(s: string, from: number, push: (c: string) => void): number {
  let i = from;
  push("");
  while (i < s.length) {
    const c = s[i] ?? "";
    if (c === '"') return i + 1;
    if (c === "\\" && i + 1 < s.length && ['"', "\\", "$", "`", "\n"].includes(s[i + 1] ?? "")) {
      push(s[i + 1] ?? "");
      i += 2;
    } else {
      push(c);
      i++;
    }
  }
  throw new Error("EOF found when expecting closing quote");
}

/**
 * Reference for Insights' modified natural sort (QSx Sort), written independently of the SQL: wholly-digit values
 * after all others, by number then text; other values element by element, where an element is a digit run (runs
 * compare by length, then value) or one other character (by code point), a digit run counting as a digit against a
 * character, and a value that ends first sorts first; ties by code points.
 */
export function naturalCompare(a: string, b: string): number {
  const aNumber = /^[0-9]+$/.test(a);
  const bNumber = /^[0-9]+$/.test(b);
  if (aNumber !== bNumber) return aNumber ? 1 : -1;
  if (aNumber) {
    const diff = BigInt(a) - BigInt(b);
    if (diff !== 0n) return diff < 0n ? -1 : 1;
    return codePointCompare(a, b);
  }
  const left = elements(a);
  const right = elements(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i] as string;
    const y = right[i] as string;
    const xRun = /^[0-9]/.test(x);
    const yRun = /^[0-9]/.test(y);
    if (xRun && yRun) {
      if (x.length !== y.length) return x.length - y.length;
      if (x !== y) return x < y ? -1 : 1;
    } else {
      // A run against a character compares as a digit: any digit does, as no other character lies among them.
      const cx = xRun ? 0x30 : (x.codePointAt(0) as number);
      const cy = yRun ? 0x30 : (y.codePointAt(0) as number);
      if (cx !== cy) return cx - cy;
    }
  }
  if (left.length !== right.length) return left.length - right.length;
  return codePointCompare(a, b);
}

function elements(text: string): string[] {
  return Array.from(text.matchAll(/[0-9]+|[^0-9]/gu), (m) => m[0]);
}

function codePointCompare(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) as number);
  const y = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x.length - y.length;
}

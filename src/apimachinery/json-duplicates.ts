/**
 * Duplicate keys in JSON text. JSON.parse keeps the last of two equal keys without a word;
 * strict field validation must name them (`duplicate field "spec.replicas"`), so the body
 * is scanned once, without building values, tracking the path of every object.
 */

interface Frame {
  readonly path: string;
  readonly keys: Set<string> | undefined;
  index: number;
}

function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Paths of keys that appear twice in one object, in document order. */
export function duplicateFields(text: string): string[] {
  const found: string[] = [];
  const stack: Frame[] = [];
  let pendingKey: string | undefined;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      let value = '';
      let escaped = false;
      let escapes = false;
      for (; j < text.length; j++) {
        const d = text[j];
        if (escaped) {
          escaped = false;
          continue;
        }
        if (d === '\\') escaped = escapes = true;
        else if (d === '"') break;
      }
      if (expectKey) {
        // A key without escapes is its own text (the body parsed as JSON already); decoding
        // every key took a third of the scan's time.
        try {
          value = escapes ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        } catch {
          return found;
        }
        const top = stack.at(-1);
        if (top?.keys) {
          if (top.keys.has(value)) found.push(child(top.path, value));
          top.keys.add(value);
        }
        pendingKey = value;
        expectKey = false;
      }
      i = j;
      continue;
    }
    if (c === '{' || c === '[') {
      const top = stack.at(-1);
      const path =
        top === undefined
          ? ''
          : top.keys
            ? child(top.path, pendingKey ?? '')
            : `${top.path}[${top.index}]`;
      stack.push({ path, keys: c === '{' ? new Set() : undefined, index: 0 });
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack.at(-1);
      if (top?.keys) expectKey = true;
      else if (top) top.index++;
    }
  }
  return found;
}

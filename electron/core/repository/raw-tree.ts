/**
 * A git tree object in its stored form (issue 15): entries of
 * "<mode> <name>\0<object id as bytes>", sorted as git sorts them (by name
 * bytes, a folder's name compared as if it ended in "/").
 *
 * Why not `git ls-tree` and `git mktree`: adding one event to a store of
 * 100,000 ceremonies rewrites the `ceremonies` tree of 100,000 entries, and
 * git's text listing and parsing of it took most of a second each way. The
 * stored form is read with `git cat-file tree` and written with `git
 * hash-object -t tree`; the entries already there are kept byte for byte
 * (their names need not even be UTF-8), and only the new ones are placed.
 */

export interface TreeEntry {
  /** As git writes it in a tree: "100644", "100755", "120000", "160000", "40000" (a folder). */
  mode: string;
  name: Buffer;
  /** The object id's bytes (20 for SHA-1 repositories, 32 for SHA-256). */
  id: Buffer;
}

export class MalformedTree extends Error {}

export const folderMode = '40000';

export function isFolder(entry: Pick<TreeEntry, 'mode'>): boolean {
  return entry.mode === folderMode || entry.mode === '040000';
}

/**
 * A tree read once and never copied entry by entry: where each entry's mode,
 * name and id lie in the bytes git gave. Finding a name is a binary search
 * (git keeps trees in order), and writing the tree with a few entries added
 * copies the runs of bytes between them as they are.
 */
export class RawTree {
  private constructor(
    private readonly raw: Buffer,
    private readonly idBytes: number,
    /** Per entry: where it starts, where its mode ends (the space), where its name ends (the NUL). */
    private readonly starts: number[],
    private readonly spaces: number[],
    private readonly nuls: number[],
  ) {}

  static empty(): RawTree {
    return new RawTree(Buffer.alloc(0), 0, [], [], []);
  }

  /** `raw` as `git cat-file tree` gives it; `idBytes` from the repository's object format. */
  static parse(raw: Buffer, idBytes: number): RawTree {
    const starts: number[] = [];
    const spaces: number[] = [];
    const nuls: number[] = [];
    let at = 0;
    while (at < raw.length) {
      const space = raw.indexOf(0x20, at);
      const end = space < 0 ? -1 : raw.indexOf(0, space + 1);
      if (space < 0 || end < 0 || end + 1 + idBytes > raw.length) throw new MalformedTree(`A git tree is malformed at byte ${at}.`);
      starts.push(at);
      spaces.push(space);
      nuls.push(end);
      at = end + 1 + idBytes;
    }
    return new RawTree(raw, idBytes, starts, spaces, nuls);
  }

  get size(): number {
    return this.starts.length;
  }

  get(name: string): TreeEntry | undefined {
    const bytes = Buffer.from(name, 'utf8');
    // Its place depends on whether it is a folder: look for it as both.
    for (const mode of [folderMode, '100644']) {
      const index = this.search({ mode, name: bytes, id: Buffer.alloc(0) });
      if (index >= 0) return this.entry(index);
    }
    return undefined;
  }

  /**
   * The stored form of this tree with `changes` put in, in git's order: an
   * entry of the same name is replaced (callers refuse a file that would
   * replace a folder, or the reverse, before they get here). The entries
   * named in `removed` (a file or a folder) are left out.
   */
  with(changes: readonly TreeEntry[], removed: readonly Buffer[] = []): Buffer {
    const dropped = new Set<number>();
    for (const name of removed) {
      for (const mode of [folderMode, '100644']) {
        const found = this.search({ mode, name, id: emptyId });
        if (found >= 0) dropped.add(found);
      }
    }
    const placed = [...changes].sort(compareEntries).map((entry) => {
      const found = this.search(entry);
      return found >= 0 ? { entry, from: found, to: found + 1 } : { entry, from: -found - 1, to: -found - 1 };
    });
    const parts: Buffer[] = [];
    // Entries [from, to) of this tree as they are, the dropped ones left out.
    const copy = (from: number, to: number) => {
      let run = from;
      for (let index = from; index <= to; index++) {
        if (index < to && !dropped.has(index)) continue;
        if (index > run) parts.push(this.raw.subarray(this.starts[run], index < this.size ? this.starts[index] : this.raw.length));
        run = index + 1;
      }
    };
    let copied = 0; // entries of this tree written so far
    for (const { entry, from, to } of placed) {
      if (from > copied) copy(copied, from);
      parts.push(Buffer.from(`${entry.mode} `, 'latin1'), entry.name, nul, entry.id);
      copied = Math.max(copied, to);
    }
    if (copied < this.size) copy(copied, this.size);
    return Buffer.concat(parts);
  }

  private entry(index: number): TreeEntry {
    const [start, space, end] = [this.starts[index]!, this.spaces[index]!, this.nuls[index]!];
    return { mode: this.raw.toString('latin1', start, space), name: this.raw.subarray(space + 1, end), id: this.raw.subarray(end + 1, end + 1 + this.idBytes) };
  }

  /** The index of an entry named as `key` (and of its kind), or -(where it would go) - 1. */
  private search(key: TreeEntry): number {
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const order = compareEntries(this.entryForOrder(middle), key);
      if (order === 0) return middle;
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return -low - 1;
  }

  /** Enough of an entry to order it (no id, no copy of its name). */
  private entryForOrder(index: number): TreeEntry {
    const [start, space, end] = [this.starts[index]!, this.spaces[index]!, this.nuls[index]!];
    // "40000", or "040000" as some old gits wrote it.
    const length = space - start;
    const folder = (length === 5 && this.raw[start] === 0x34) || (length === 6 && this.raw[start] === 0x30 && this.raw[start + 1] === 0x34);
    const mode = folder ? folderMode : '100644';
    return { mode, name: this.raw.subarray(space + 1, end), id: emptyId };
  }
}

const emptyId = Buffer.alloc(0);
const nul = Buffer.from([0]);

/** git's order of tree entries (base_name_compare): name bytes, then a folder as if its name went on with "/", a file as if it ended. */
export function compareEntries(a: TreeEntry, b: TreeEntry): number {
  const common = Math.min(a.name.length, b.name.length);
  const order = a.name.compare(b.name, 0, common, 0, common);
  if (order !== 0) return order;
  const after = (entry: TreeEntry) => (entry.name.length > common ? entry.name[common]! : isFolder(entry) ? 0x2f : 0);
  return after(a) - after(b);
}

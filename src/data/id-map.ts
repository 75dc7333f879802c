/**
 * A two-way mapping between external string ids (as they appear in files and APIs)
 * and dense 0-based indices (rows and columns of the interaction matrix).
 */
export class IdMap {
  private readonly indexById = new Map<string, number>();
  private readonly idByIndex: string[] = [];

  static fromIds(ids: Iterable<string>): IdMap {
    const map = new IdMap();
    for (const id of ids) map.add(id);
    return map;
  }

  get size(): number {
    return this.idByIndex.length;
  }

  /** Index of `id`, adding it at the end when it is new. */
  add(id: string): number {
    const known = this.indexById.get(id);
    if (known !== undefined) return known;
    const index = this.idByIndex.length;
    this.indexById.set(id, index);
    this.idByIndex.push(id);
    return index;
  }

  /** Index of `id`, or -1 when it is unknown. */
  indexOf(id: string): number {
    return this.indexById.get(id) ?? -1;
  }

  has(id: string): boolean {
    return this.indexById.has(id);
  }

  idOf(index: number): string {
    const id = this.idByIndex[index];
    if (id === undefined) throw new RangeError(`index ${index} is outside the id map (size ${this.size})`);
    return id;
  }

  ids(): readonly string[] {
    return this.idByIndex;
  }

  /** A new map holding only the entries whose index is kept, renumbered densely in index order. */
  subset(keep: (index: number) => boolean): { map: IdMap; oldToNew: Int32Array } {
    const map = new IdMap();
    const oldToNew = new Int32Array(this.size).fill(-1);
    for (let i = 0; i < this.size; i++) {
      if (keep(i)) oldToNew[i] = map.add(this.idByIndex[i]!);
    }
    return { map, oldToNew };
  }

  toJSON(): string[] {
    return this.idByIndex.slice();
  }
}

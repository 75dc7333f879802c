/**
 * How stored feedback events become the entries of a user's interaction row,
 * the same way when a model is trained on the store and when a user or a
 * session is folded in at request time (the rule is saved with each model
 * version, see model-versions.ts).
 */

/** Which events count as interactions. */
export interface EventFilter {
  /** Only events of these types count (e.g. ['purchase', 'rating']); default: every type. */
  readonly eventTypes?: readonly string[];
  /** Events whose value is below this are left out (e.g. ratings under 4); events without a value are kept. */
  readonly minValue?: number;
}

/** The rule for one model version: the filter, and whether entries carry the event's value or 1. */
export interface InteractionRule {
  readonly filter: EventFilter;
  /**
   * True for models that predict ratings: an entry is the event's value (the
   * latest one for repeated events) and events without a value do not count.
   * False for implicit-feedback models: an entry is 1.
   */
  readonly useValues: boolean;
}

export interface EventLike {
  readonly type?: string;
  readonly value?: number | null;
}

/** The entry an event contributes, or undefined when it does not count. */
export function interactionValue(event: EventLike, rule: InteractionRule): number | undefined {
  const { filter } = rule;
  if (filter.eventTypes !== undefined && !filter.eventTypes.includes(event.type ?? '')) return undefined;
  const value = event.value ?? null;
  if (filter.minValue !== undefined && value !== null && value < filter.minValue) return undefined;
  if (!rule.useValues) return 1;
  return value === null ? undefined : value;
}

/** Checks a filter read from a file or a command line; the error names the field. */
export function checkEventFilter(filter: EventFilter, where: string): EventFilter {
  if (filter.eventTypes !== undefined) {
    if (!Array.isArray(filter.eventTypes) || filter.eventTypes.length === 0 || !filter.eventTypes.every((t) => typeof t === 'string' && t !== '')) {
      throw new Error(`${where}: eventTypes must be a non-empty list of event type names, got ${JSON.stringify(filter.eventTypes)}`);
    }
  }
  if (filter.minValue !== undefined && !Number.isFinite(filter.minValue)) {
    throw new Error(`${where}: minValue must be a finite number, got ${JSON.stringify(filter.minValue)}`);
  }
  return filter;
}

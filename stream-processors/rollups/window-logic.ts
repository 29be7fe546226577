/**
 * What a stage keeps per open window, and how it becomes a rollup: readings
 * for the finest stage, finer windows for every coarser one. Pure: no I/O.
 */
import type { ParameterKind } from '../../schemas/types';
import { mergeWindows, ReadingWindow, summarizeReadings, type Reading, type RollupValues } from './window-aggregate';

export interface WindowLogic<I, W> {
  create(): W;
  /** Adds an input; false when it changed nothing (a duplicate). */
  add(window: W, input: I): boolean;
  /** `previous` is the series' last reading before this window, where the stage tracks readings. */
  summarize(window: W, kind: ParameterKind, previous: Reading | undefined): RollupValues;
  /** The window's last reading, carried to the next window (energy increments); undefined where not tracked. */
  lastReading(window: W): Reading | undefined;
  /** Whether windows track readings, and so an energy series' carry. */
  readonly carries: boolean;
  /** The reading an input is, where windows track readings. */
  reading(input: I): Reading | undefined;
  /** What the window took since the last call, as one chunk for the state changelog (JSON); undefined when nothing. */
  takeUnsaved(window: W): unknown;
  /** Adds a chunk `takeUnsaved` gave (restoring from the changelog). */
  addChunk(window: W, chunk: unknown): void;
  /** Makes the next `takeUnsaved` give the whole window (to save anew a window read from the changelog's first form). */
  unsaveAll(window: W): void;
  /** A whole window as the changelog's first form kept it. */
  deserialize(data: unknown): W;
}

export interface ReadingInput {
  time: number;
  value: number;
}

export const readingWindows: WindowLogic<ReadingInput, ReadingWindow> = {
  carries: true,
  reading: (input) => ({ time: input.time, value: input.value }),
  create: () => new ReadingWindow(),
  add: (window, input) => window.add(input.time, input.value),
  summarize: (window, kind, previous) => summarizeReadings(kind, window.sorted(), previous),
  lastReading: (window) => {
    let last: Reading | undefined;
    for (const [time, value] of window.readings) if (!last || time > last.time) last = { time, value };
    return last;
  },
  takeUnsaved: (window) => window.takeUnsaved(),
  addChunk: (window, chunk) => window.addSaved(chunk as number[]),
  unsaveAll: (window) => window.unsaveAll(),
  deserialize: (data) => {
    const window = new ReadingWindow();
    window.addSaved((data as [number, number][]).flat());
    return window;
  },
};

export interface PartInput {
  /** start of the finer window */
  start: number;
  revision: number;
  values: RollupValues;
}

/** Finer windows by start; a replayed finer window replaces the kept one only with a higher revision. */
export interface PartWindow {
  parts: Map<number, { revision: number; values: RollupValues }>;
  /** parts taken since the last `takeUnsaved` */
  unsaved: PartInput[];
}

function addPart(window: PartWindow, input: PartInput): boolean {
  const kept = window.parts.get(input.start);
  if (kept && kept.revision >= input.revision) return false;
  window.parts.set(input.start, { revision: input.revision, values: input.values });
  return true;
}

export const mergedWindows: WindowLogic<PartInput, PartWindow> = {
  carries: false,
  reading: () => undefined,
  create: () => ({ parts: new Map(), unsaved: [] }),
  add: (window, input) => {
    if (!addPart(window, input)) return false;
    window.unsaved.push(input);
    return true;
  },
  summarize: (window, kind) => mergeWindows(kind, [...window.parts.values()].map((part) => part.values)),
  lastReading: () => undefined,
  takeUnsaved: (window) => {
    if (window.unsaved.length === 0) return undefined;
    const taken = window.unsaved;
    window.unsaved = [];
    return taken;
  },
  addChunk: (window, chunk) => {
    for (const input of chunk as PartInput[]) addPart(window, input);
  },
  unsaveAll: (window) => {
    window.unsaved = [...window.parts].map(([start, { revision, values }]) => ({ start, revision, values }));
  },
  deserialize: (data) => ({ parts: new Map(data as [number, { revision: number; values: RollupValues }][]), unsaved: [] }),
};

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
  /** An input as the state changelog keeps it (JSON), and back. */
  toStored(input: I): unknown;
  fromStored(data: unknown): I;
  /** Inputs that make up the window again when added to a new one. */
  inputsOf(window: W): I[];
  /** A whole window as the changelog's first form kept it. */
  deserialize(data: unknown): W;
}

export interface ReadingInput {
  time: number;
  value: number;
}

export const readingWindows: WindowLogic<ReadingInput, ReadingWindow> = {
  create: () => new ReadingWindow(),
  add: (window, input) => window.add(input.time, input.value),
  summarize: (window, kind, previous) => summarizeReadings(kind, window.sorted(), previous),
  lastReading: (window) => {
    let last: Reading | undefined;
    for (const [time, value] of window.readings) if (!last || time > last.time) last = { time, value };
    return last;
  },
  toStored: (input) => [input.time, input.value],
  fromStored: (data) => {
    const [time, value] = data as [number, number];
    return { time, value };
  },
  inputsOf: (window) => [...window.readings].map(([time, value]) => ({ time, value })),
  deserialize: (data) => {
    const window = new ReadingWindow();
    for (const [time, value] of data as [number, number][]) window.add(time, value);
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
export type PartWindow = Map<number, { revision: number; values: RollupValues }>;

export const mergedWindows: WindowLogic<PartInput, PartWindow> = {
  create: () => new Map(),
  add: (window, input) => {
    const kept = window.get(input.start);
    if (kept && kept.revision >= input.revision) return false;
    window.set(input.start, { revision: input.revision, values: input.values });
    return true;
  },
  summarize: (window, kind) => mergeWindows(kind, [...window.values()].map((part) => part.values)),
  lastReading: () => undefined,
  toStored: (input) => input,
  fromStored: (data) => data as PartInput,
  inputsOf: (window) => [...window].map(([start, { revision, values }]) => ({ start, revision, values })),
  deserialize: (data) => new Map(data as [number, { revision: number; values: RollupValues }][]),
};

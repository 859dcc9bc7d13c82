/**
 * Named sets of gates an experiment can ask for with `{ preset: <name> }` in its gates list.
 *
 * `portrait`: what a person sees on a portrait filter, gated overall, per gender, per age band
 * and per perceived tone. The thresholds were chosen from measurements of the built-in filters
 * on the 60 faces-dev portraits before issue 12's fixes (scripts/portrait-metrics.ts; the
 * numbers are beside each gate and in docs/portrait-preset.md): each sits between what
 * looks a person judges fine score and what the defects of issue 12 score (orange skin, a band
 * at the hairline, darker skin lightened about twice as much), with room for photo-to-photo
 * spread. None is tuned to one photo: every gate is a mean or p95 over a slice of 3+ photos.
 * It needs the gender, age_band and perceived_tone label columns (faces-dev and
 * samples/portraits have them).
 */
import type { Gate } from './gate-schema.js';

type PresetGate = Omit<Gate, 'vsBaseline' | 'minCount'> & { minCount?: number };

const SLICES = ['gender', 'age_band', 'perceived_tone'] as const;

const perSlice = (g: PresetGate): PresetGate[] => SLICES.map((per) => ({ ...g, per }));

export const GATE_PRESETS = {
  portrait: [
    // The person is still there and still themselves (the thresholds of examples/portrait-looks).
    { metric: 'face_survival', stat: 'mean', min: 0.98 },
    ...perSlice({ metric: 'identity', stat: 'mean', min: 0.75 }),
    // Orange (over-saturated) skin over all visible skin. Measured before issue 12's fixes:
    // looks a person judged fine +13% at most (auto-enhance), vivid +53%, the poster look +35%.
    { metric: 'person_skin_chroma', stat: 'mean', max: 25 },
    ...perSlice({ metric: 'person_skin_chroma', stat: 'mean', max: 25 }),
    // Skin hue turned (green, magenta); greyscale is not a turn. Measured: 0.03-3.4 (film-cool's
    // cool grade on darker skin the most).
    ...perSlice({ metric: 'person_skin_delta_h', stat: 'mean', max: 4 }),
    // Differential lightening: the ΔL* of darker, medium and lighter skin within 1.5 of each
    // other. Measured: 0.5-1.2 for looks judged fine, soft-fade 2.2 (darker +4.3, lighter +2.1),
    // mono-contrast 4.9 (darker -3.3, lighter +1.6).
    { metric: 'person_skin_delta_l', stat: 'mean', gap: 'perceived_tone', max: 1.5 },
    // A band or blotch inside skin, on the worst photos too (p95 of the share of skin with a new
    // hue jump). Measured p95: 0.6% at most for looks judged fine, the oval-only paste-back 19%,
    // vivid 9.7%.
    { metric: 'skin_breaks', stat: 'p95', max: 5 },
    // A gross halo or bleed at the person's outline (p95). Measured p95: 3.0 at most on every
    // built-in; a fringe of old backdrop 2 px wide scores over 8 (edge-halo.test.ts).
    { metric: 'edge_halo', stat: 'p95', max: 4 },
  ],
} as const satisfies Record<string, readonly PresetGate[]>;

export type GatePresetName = keyof typeof GATE_PRESETS;
export const GATE_PRESET_NAMES = Object.keys(GATE_PRESETS) as [GatePresetName, ...GatePresetName[]];

/** The gates of a preset, each described as "portrait: …" in reports. */
export function presetGates(name: GatePresetName): Gate[] {
  return GATE_PRESETS[name].map((g) => ({ vsBaseline: false, minCount: 3, ...g }) as Gate);
}

/** Metrics the preset's gates read (added to an experiment's metrics when it uses the preset). */
export function presetMetrics(name: GatePresetName): string[] {
  return [...new Set(GATE_PRESETS[name].map((g) => g.metric))];
}

import { describe, expect, it } from 'vitest';
import { closest, didYouMean } from './did-you-mean.js';

describe('did you mean', () => {
  it('suggests names within three edits', () => {
    expect(closest('tnoe', ['tone', 'lut'])).toBe('tone');
    expect(closest('onnx.imge', ['onnx.image', 'blur'])).toBe('onnx.image');
    expect(closest('something', ['tone'])).toBeUndefined();
  });

  it('words the suggestion, or says nothing when no name is close', () => {
    expect(didYouMean('vignete', ['vignette', 'tone'])).toBe(' (did you mean "vignette"?)');
    expect(didYouMean('zzzzzzzzz', ['vignette', 'tone'])).toBe('');
  });
});

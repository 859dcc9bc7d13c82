import { boxIou, type Box, type Point } from './face.js';

export interface Candidate {
  box: Box;
  score: number;
  keypoints: Point[];
}

/**
 * Weighted non-maximum suppression, as MediaPipe's face detector does it: overlapping
 * candidates are averaged (weighted by score) instead of dropped, which steadies the box and
 * keypoints. The kept score is the cluster's best.
 */
export function weightedNms(
  candidates: readonly Candidate[],
  iouThreshold: number,
  maxCount: number,
): Candidate[] {
  const pending = [...candidates].sort((a, b) => b.score - a.score);
  const kept: Candidate[] = [];
  while (pending.length > 0 && kept.length < maxCount) {
    const top = pending[0]!;
    const cluster: Candidate[] = [];
    const rest: Candidate[] = [];
    for (const c of pending) (boxIou(top.box, c.box) > iouThreshold ? cluster : rest).push(c);
    kept.push(average(cluster, top.score));
    pending.splice(0, pending.length, ...rest);
  }
  return kept;
}

function average(cluster: readonly Candidate[], score: number): Candidate {
  let total = 0;
  const box: Box = [0, 0, 0, 0];
  const keypoints: Point[] = cluster[0]!.keypoints.map(() => [0, 0]);
  for (const c of cluster) {
    total += c.score;
    for (let i = 0; i < 4; i++) box[i] = box[i]! + c.score * c.box[i]!;
    c.keypoints.forEach((p, i) => {
      keypoints[i]![0] += c.score * p[0];
      keypoints[i]![1] += c.score * p[1];
    });
  }
  return {
    score,
    box: box.map((v) => v / total) as Box,
    keypoints: keypoints.map(([x, y]) => [x / total, y / total]),
  };
}

/**
 * A detected face, in the pixel coordinates of the image it was found in. Coordinates are
 * continuous: the image spans [0, width] x [0, height], pixel i has its centre at i + 0.5.
 */
export type Point = [number, number];
export type Point3 = [number, number, number];

/** [x, y, width, height] of the tight face box, in pixels. */
export type Box = [number, number, number, number];

export interface Face {
  box: Box;
  /** Detector confidence in [0, 1]. */
  score: number;
  /**
   * The 6 BlazeFace keypoints, in KEYPOINT order. "Right"/"left" are the subject's: the right
   * eye is the one on the image's left in an unmirrored photo.
   */
  keypoints: Point[];
  /** The 468 MediaPipe FaceMesh landmarks; z is depth in pixel units (smaller is nearer). */
  landmarks?: Point3[];
  /** L2-normalised identity embedding; compare with compareFaces. */
  embedding?: Float32Array;
  /** Apparent age and gender ESTIMATES (face.attributes), for auto-tagging datasets only. */
  attributes?: AttributeEstimate;
}

/** What an attribute model estimates from a face (see face-attributes.ts). */
export interface AttributeEstimate {
  /** Estimated apparent age in years. */
  ageEstimate: number;
  /** Estimated probability that the face would be perceived as female, in [0, 1]. */
  femaleEstimate: number;
  /** 'F' or 'M' from femaleEstimate, or undefined when the model is unsure (0.35-0.65). */
  genderEstimate: 'F' | 'M' | undefined;
}

/** Index of each BlazeFace keypoint in Face.keypoints. */
export const KEYPOINT = {
  rightEye: 0,
  leftEye: 1,
  noseTip: 2,
  mouth: 3,
  rightEar: 4,
  leftEar: 5,
} as const;

export type KeypointName = keyof typeof KEYPOINT;

export function boxCenter(box: Box): Point {
  return [box[0] + box[2] / 2, box[1] + box[3] / 2];
}

/** Intersection over union of two boxes. */
export function boxIou(a: Box, b: Box): number {
  const x0 = Math.max(a[0], b[0]);
  const y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/** In-plane roll of the face: the angle of the line from the right eye to the left eye. */
export function faceRoll(keypoints: readonly Point[]): number {
  const r = keypoints[KEYPOINT.rightEye];
  const l = keypoints[KEYPOINT.leftEye];
  if (!r || !l) return 0;
  return Math.atan2(l[1] - r[1], l[0] - r[0]);
}

/** Index of the main face: the one with the largest box (-1 when there is none). */
export function mainFaceIndex(faces: readonly Pick<Face, 'box'>[]): number {
  let best = -1;
  let bestArea = -1;
  faces.forEach((f, i) => {
    const area = f.box[2] * f.box[3];
    if (area > bestArea) {
      best = i;
      bestArea = area;
    }
  });
  return best;
}

/** The faces with every coordinate scaled by (sx, sy), e.g. to follow a resize of the photo. */
export function scaleFaces(faces: readonly Face[], sx: number, sy: number): Face[] {
  const sz = (sx + sy) / 2;
  return faces.map((f) => ({
    ...f,
    box: [f.box[0] * sx, f.box[1] * sy, f.box[2] * sx, f.box[3] * sy],
    keypoints: f.keypoints.map(([x, y]): Point => [x * sx, y * sy]),
    ...(f.landmarks && {
      landmarks: f.landmarks.map(([x, y, z]): Point3 => [x * sx, y * sy, z * sz]),
    }),
  }));
}

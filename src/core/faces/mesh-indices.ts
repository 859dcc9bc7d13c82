/**
 * Named regions of the 468-point MediaPipe FaceMesh, as closed polygons (index order walks the
 * outline). Taken from MediaPipe's face_mesh_connections.py (FACEMESH_FACE_OVAL, _LIPS,
 * _LEFT_EYE, _RIGHT_EYE, _LEFT_EYEBROW, _RIGHT_EYEBROW; Apache-2.0), whose edge lists were
 * chained into outlines. "Right"/"left" are the subject's: the right eye is on the image's left.
 */
export const MESH = {
  noseTip: 1,
  /** Mouth corners. */
  mouthRight: 61,
  mouthLeft: 291,
  faceOval: [
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152,
    148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
  ],
  /** Outer lip line: upper lip left to right, then lower lip back. */
  lipsOuter: [
    61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146,
  ],
  /** Inner lip line (the mouth opening). */
  lipsInner: [
    78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95,
  ],
  rightEye: [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7],
  leftEye: [263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249],
  rightEyebrow: [46, 53, 52, 65, 55, 107, 66, 105, 63, 70],
  leftEyebrow: [276, 283, 282, 295, 285, 336, 296, 334, 293, 300],
} as const;

# cv2.inpaint (TELEA and NS) on the luma of every EVERY-th frame: what a user would reach for offline,
# for bench/removal.js. The mask is grown by GROW px like the local removal's, so both fill the same region.
#
#   removal-opencv.py WIDTH HEIGHT EVERY GROW FRAMES.gray MASKS.gray OUT
#
# Writes OUT-telea.gray and OUT-ns.gray (the chosen frames, in order) and prints the milliseconds per frame
# of each method (the inpaint call alone: no decoding or encoding) as JSON.
import json
import sys
import time

import cv2
import numpy as np

width, height, every, grow = (int(v) for v in sys.argv[1:5])
frames = np.fromfile(sys.argv[5], np.uint8).reshape(-1, height, width)
masks = np.fromfile(sys.argv[6], np.uint8).reshape(-1, height, width)
out = sys.argv[7]
kernel = np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)
chosen = range(0, len(frames), every)
regions = [cv2.dilate((masks[i] < 128).astype(np.uint8) * 255, kernel) for i in chosen]

result = {}
for name, method in (("telea", cv2.INPAINT_TELEA), ("ns", cv2.INPAINT_NS)):
    filled = []
    spent = 0.0
    for i, region in zip(chosen, regions):
        started = time.perf_counter()
        filled.append(cv2.inpaint(frames[i], region, 3, method))
        spent += time.perf_counter() - started
    np.stack(filled).tofile(f"{out}-{name}.gray")
    result[name] = spent * 1000 / len(filled)
print(json.dumps(result))

#!/usr/bin/python3
"""Frigate-style motion reference for `npm run bench` (speed section), with Debian's python3-opencv.

Reads raw 8-bit gray frames (WIDTHxHEIGHT each, back to back) from a file or stdin, then per frame:
resize to the working size (INTER_AREA), GaussianBlur 3x3, accumulateWeighted running average, absdiff
against it, threshold, dilate, findContours (external), boundingRect per contour above a minimum area;
the shape of Frigate's ImprovedMotionDetector. Single thread (cv2.setNumThreads(1)). Only the per-frame
work is timed, not the I/O. Prints one JSON object on stdout.

usage: reference_pipeline.py --width W --height H --work-width w --work-height h [--input FILE|-] [--frames N]
"""
import argparse
import json
import sys
import time

import cv2
import numpy as np


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", default="-")
    parser.add_argument("--width", type=int, required=True)
    parser.add_argument("--height", type=int, required=True)
    parser.add_argument("--work-width", type=int, required=True)
    parser.add_argument("--work-height", type=int, required=True)
    parser.add_argument("--frames", type=int, default=0, help="process at most N frames (0: all)")
    parser.add_argument("--alpha", type=float, default=0.01, help="running-average weight (Frigate frame_alpha)")
    parser.add_argument("--threshold", type=int, default=30, help="Frigate motion threshold")
    parser.add_argument("--contour-area", type=float, default=10.0)
    args = parser.parse_args()

    cv2.setNumThreads(1)
    raw = sys.stdin.buffer.read() if args.input == "-" else open(args.input, "rb").read()
    frame_bytes = args.width * args.height
    count = len(raw) // frame_bytes
    if args.frames > 0:
        count = min(count, args.frames)
    frames = np.frombuffer(raw, dtype=np.uint8, count=count * frame_bytes).reshape(count, args.height, args.width)
    size = (args.work_width, args.work_height)

    avg = None
    times = np.empty(count, dtype=np.float64)
    boxes = 0
    for i in range(count):
        t0 = time.perf_counter_ns()
        small = cv2.resize(frames[i], size, interpolation=cv2.INTER_AREA)
        blurred = cv2.GaussianBlur(small, (3, 3), 0)
        if avg is None:
            avg = blurred.astype(np.float32)
        cv2.accumulateWeighted(blurred, avg, args.alpha)
        delta = cv2.absdiff(blurred, cv2.convertScaleAbs(avg))
        thresh = cv2.threshold(delta, args.threshold, 255, cv2.THRESH_BINARY)[1]
        dilated = cv2.dilate(thresh, None, iterations=1)
        contours, _ = cv2.findContours(dilated, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            if cv2.contourArea(contour) > args.contour_area:
                cv2.boundingRect(contour)
                boxes += 1
        times[i] = (time.perf_counter_ns() - t0) / 1e6

    result = {
        "frames": count,
        "opencv": cv2.__version__,
        "threads": cv2.getNumThreads(),
        "workingSize": [args.work_width, args.work_height],
        "msPerFrameMedian": float(np.median(times)) if count else None,
        "msPerFrameP95": float(np.percentile(times, 95)) if count else None,
        "msTotal": float(times.sum()),
        "boxes": boxes,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

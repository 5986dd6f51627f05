#!/bin/sh
# Installs the optional OpenCV motion backend (edge/vision/opencv-motion-detector.ts) and camera source
# (edge/hal/drivers/opencv-capture.ts): Debian's libopencv-dev, then @u4/opencv4nodejs built against it.
# Run from anywhere in the checkout:
#
#   scripts/install-opencv.sh            # ~150 s on a 2-core machine (JOBS=2)
#
# Why this is a script and not a dependency: @u4/opencv4nodejs compiles a native binding on install,
# and without the ENVIRONMENT variable OPENCV4NODEJS_DISABLE_AUTOBUILD=1 it first tries to clone and
# build OpenCV itself (and fails offline); a package.json "opencv4nodejs" section is ignored at install.
# So it must never be in dependencies, optionalDependencies or the lock file, or `npm ci` on a fresh
# machine would try that build. `--no-save` installs it into node_modules without touching
# package.json or package-lock.json. Consequence: `npm ci` (which deletes node_modules) and a plain
# `npm install` (which prunes packages the lock does not list) remove it again; re-run this script
# afterwards. The runtime reports that case clearly ("the OpenCV backend needs @u4/opencv4nodejs: run
# scripts/install-opencv.sh") and the default backends never need it.
#
# Environment: JOBS (parallel compile jobs, default: number of CPUs), OPENCV4NODEJS_VERSION (default
# 7.1.2, the version tested against Debian 12's OpenCV 4.6).
set -eu

version="${OPENCV4NODEJS_VERSION:-7.1.2}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if ! pkg-config --exists opencv4 2>/dev/null && ! dpkg -s libopencv-dev >/dev/null 2>&1; then
  echo "installing libopencv-dev (Debian) ..."
  if [ "$(id -u)" -eq 0 ]; then
    apt-get install -y libopencv-dev
  else
    sudo apt-get install -y libopencv-dev
  fi
fi

echo "building @u4/opencv4nodejs@$version against the system OpenCV (takes a few minutes) ..."
# --strict-allow-scripts=false: this one package's install script (the binding build) is the point of
# running this script, so it runs with npm 11's notice even where a user config makes unreviewed
# scripts an error; approving it in package.json's allowScripts would record a package we do not list.
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}" OPENCV4NODEJS_DISABLE_AUTOBUILD=1 \
  npm install --no-save --no-audit --no-fund --strict-allow-scripts=false "@u4/opencv4nodejs@$version"

echo "checking that it loads ..."
if ! npx --no-install tsx -e "
import { loadOpenCv } from './edge/opencv-loader.ts';
import { OpenCvMotionDetector } from './edge/vision/opencv-motion-detector.ts';
const cv = loadOpenCv();
const detector = new OpenCvMotionDetector({ width: 8, height: 8 });
detector.process(new Uint8Array(64), 0);
detector.process(new Uint8Array(64).fill(9), 100);
console.log('OpenCV ' + cv.version.major + '.' + cv.version.minor + '.' + cv.version.revision + ' loads; the opencv motion backend works');
"; then
  echo "@u4/opencv4nodejs is installed but does not load; see the error above" >&2
  exit 1
fi

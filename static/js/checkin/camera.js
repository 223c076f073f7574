// The camera: the browser's own BarcodeDetector where it has one (Android, macOS), else the
// vendored barcode-detector library reading QR codes with zxing-wasm served from our static
// folder. Where the page may not use the camera at all (chat apps' browsers, plain http),
// startCamera throws an error whose "kind" is "missing" or "refused".

class CameraError extends Error {
  constructor(kind, cause) {
    super(kind);
    this.kind = kind;
    this.cause = cause;
  }
}

let readerLoading = null;

function loadReader(readerUrl, wasmUrl) {
  if (!readerLoading) {
    readerLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = readerUrl;
      script.onload = () => {
        const api = window.BarcodeDetectionAPI;
        api.prepareZXingModule({
          overrides: {
            locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasmUrl : prefix + path),
          },
        });
        resolve(api.BarcodeDetector);
      };
      script.onerror = () => reject(new Error("reader"));
      document.head.append(script);
    });
  }
  return readerLoading;
}

async function makeDetector(urls) {
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) return new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch {
      // fall through to the library
    }
  }
  const Detector = await loadReader(urls.reader, urls.wasm);
  return new Detector({ formats: ["qr_code"] });
}

export function cameraAvailable() {
  return Boolean(window.isSecureContext && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

// Start reading codes from the back camera into onCode(text); returns a function that stops.
export async function startCamera(video, onCode, urls) {
  if (!cameraAvailable()) throw new CameraError("missing");
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: { ideal: "environment" } },
      audio: false,
    });
  } catch (error) {
    const refused = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
    throw new CameraError(refused ? "refused" : "missing", error);
  }
  const detector = await makeDetector(urls);
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  let running = true;
  let timer = null;
  const tick = async () => {
    if (!running) return;
    if (video.readyState >= 2) {
      try {
        const codes = await detector.detect(video);
        if (running && codes.length) onCode(codes[0].rawValue);
      } catch {
        // a frame the reader could not use: try the next one
      }
    }
    if (running) timer = setTimeout(tick, 120);
  };
  tick();
  return () => {
    running = false;
    clearTimeout(timer);
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
    video.hidden = true;
  };
}

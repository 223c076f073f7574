// A distinct sound for each answer, made with Web Audio (no sound files): one high beep for
// "admit", two middle beeps for "already checked in", a low buzz for "do not admit".

let context = null;

// Browsers start audio only after a gesture: the first key or tap on the page unlocks it.
export function unlock() {
  if (!context) {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    context = new Context();
  }
  if (context.state === "suspended") context.resume();
}

function tone(start, frequency, duration, wave = "sine", volume = 0.25) {
  const oscillator = context.createOscillator();
  const gain = context.createGain();
  oscillator.type = wave;
  oscillator.frequency.value = frequency;
  gain.gain.setValueAtTime(volume, context.currentTime + start);
  gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + start + duration);
  oscillator.connect(gain).connect(context.destination);
  oscillator.start(context.currentTime + start);
  oscillator.stop(context.currentTime + start + duration + 0.02);
}

export function play(colour) {
  if (!context || context.state !== "running") return;
  if (colour === "green") {
    tone(0, 1320, 0.15);
  } else if (colour === "amber") {
    tone(0, 660, 0.12, "triangle");
    tone(0.18, 660, 0.12, "triangle");
  } else {
    tone(0, 180, 0.45, "square", 0.18);
  }
}

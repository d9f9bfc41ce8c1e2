// SPDX-License-Identifier: Apache-2.0
// Forwards the microphone's samples (channel 0) to the page; nothing else happens here.
class CaptureProcessor extends AudioWorkletProcessor {
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (ch && ch.length) this.port.postMessage(ch.slice(0));
    return true;
  }
}
registerProcessor('inherent-capture', CaptureProcessor);

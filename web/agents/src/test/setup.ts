// jsdom lacks these; the app uses them for scrolling and focus after render.
if (!window.requestAnimationFrame) {
  window.requestAnimationFrame = (cb: FrameRequestCallback) =>
    setTimeout(() => cb(Date.now()), 0) as unknown as number
}
if (!Element.prototype.scrollTo) Element.prototype.scrollTo = () => {}

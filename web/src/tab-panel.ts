/**
 * Wires a header button to a panel shown over the graph, one panel at a time: opening one closes the others
 * (they all listen to the same `flowlens:tab` event), and the panel's `[data-close]` button closes it.
 * Returns the function that opens (true) or closes (false) the panel; `onOpen` runs after each opening.
 */
export function bindTabPanel(name: string, button: HTMLElement, panel: HTMLElement, onOpen: () => void): (open: boolean) => void {
  const toggle = (open: boolean): void => {
    panel.hidden = !open;
    button.classList.toggle('active', open);
    if (!open) return;
    document.dispatchEvent(new CustomEvent('flowlens:tab', { detail: name }));
    onOpen();
  };
  button.addEventListener('click', () => toggle(panel.hidden));
  panel.querySelector('[data-close]')?.addEventListener('click', () => toggle(false));
  document.addEventListener('flowlens:tab', (event) => {
    if ((event as CustomEvent<string>).detail !== name && !panel.hidden) toggle(false);
  });
  return toggle;
}

import './tabs.css';

/** A header tab and the panel it opens over the graph. */
export interface TabPanel {
  button: HTMLButtonElement;
  panel: HTMLElement;
}

/**
 * Creates a header button (`NAME-tab`, after the existing tabs) and its hidden panel (`NAME-panel`) with `html` inside;
 * the markup should hold a `[data-close]` button. Call `bindTabPanel` to make them work.
 */
export function createTabPanel(name: string, label: string, html: string): TabPanel {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = `tab-button ${name}-tab`;
  button.dataset.testid = `${name}-tab`;
  button.innerHTML = label;
  const tabs = document.querySelectorAll('.top .tab-button');
  (tabs[tabs.length - 1] ?? document.querySelector('.top h1'))?.after(button);

  const panel = document.createElement('section');
  panel.className = `tab-panel ${name}-panel`;
  panel.dataset.testid = `${name}-panel`;
  panel.hidden = true;
  panel.innerHTML = html;
  document.body.append(panel);
  return { button, panel };
}

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

import { describe, expect, it } from 'vitest';
import { mount, optionsFromScript } from './embed';

function script(attributes: Record<string, string>): HTMLScriptElement {
  const element = document.createElement('script');
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

describe('optionsFromScript', () => {
  it('takes the key from data-widget-key and the API from the script origin', () => {
    const options = optionsFromScript(
      script({ src: 'https://api.acme.test/api/v1/embed/widget.js', 'data-widget-key': 'ccg_k' }),
    );
    expect(options).toEqual({ widgetKey: 'ccg_k', apiUrl: 'https://api.acme.test', title: undefined });
  });

  it('lets data-api-url and data-title override the defaults', () => {
    const options = optionsFromScript(
      script({
        src: '/widget.js',
        'data-widget-key': 'k',
        'data-api-url': 'http://127.0.0.1:9000',
        'data-title': 'Acme',
      }),
    );
    expect(options).toMatchObject({ apiUrl: 'http://127.0.0.1:9000', title: 'Acme' });
  });

  it('explains how to fix a missing key', () => {
    expect(() => optionsFromScript(script({ src: '/widget.js' }))).toThrow(/Add data-widget-key="<your key>"/);
    expect(() => optionsFromScript(null)).toThrow(/no widget key/);
  });
});

describe('mount', () => {
  it('renders inside a shadow root with its own styles, out of reach of the page', () => {
    const host = mount({ widgetKey: 'k', apiUrl: 'http://api.test' });

    expect(host.parentElement).toBe(document.body);
    const shadow = host.shadowRoot as ShadowRoot;
    expect(shadow.querySelector('style')?.textContent).toContain(':host');
    expect(shadow.querySelector('button.launcher')?.textContent).toBe('Chat with us');
    expect(document.querySelector('button.launcher')).toBeNull();
    host.remove();
  });
});

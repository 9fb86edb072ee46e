/** @jsxImportSource preact */
import { createWidgetApi } from '@customercare/api-client';
import { render } from 'preact';
import css from './widget.css?inline';
import { sessionStore } from './persistence';
import { Widget } from './Widget';

export interface EmbedOptions {
  widgetKey: string;
  apiUrl: string;
  title?: string;
}

/**
 * Reads the embedding `<script src=".../api/v1/embed/widget.js" data-widget-key="...">`: the key from
 * data-widget-key, the API from data-api-url or else the origin that served the script.
 */
export function optionsFromScript(script: HTMLScriptElement | null): EmbedOptions {
  const widgetKey = script?.dataset.widgetKey;
  if (!script || !widgetKey) {
    throw new Error(
      'CustomerCareGPT widget: no widget key. Add data-widget-key="<your key>" to the <script> tag that loads widget.js ' +
        "(the admin console's Embed page shows the exact snippet).",
    );
  }
  const apiUrl = script.dataset.apiUrl ?? new URL(script.src, document.baseURI).origin;
  return { widgetKey, apiUrl, title: script.dataset.title };
}

/** Renders the widget into a shadow root on its own host element, so the page's CSS cannot break it. */
export function mount(options: EmbedOptions, doc: Document = document): HTMLElement {
  const host = doc.createElement('div');
  host.setAttribute('data-customercare-widget', '');
  const shadow = host.attachShadow({ mode: 'open' });
  const style = doc.createElement('style');
  style.textContent = css;
  const root = doc.createElement('div');
  root.className = 'root';
  shadow.append(style, root);
  doc.body.append(host);
  const api = createWidgetApi({ baseUrl: options.apiUrl, widgetKey: options.widgetKey });
  render(<Widget api={api} title={options.title} store={sessionStore(options.widgetKey)} />, root);
  return host;
}

// The IIFE entry of widget.js: runs once where the customer's page loads the script.
import { mount, optionsFromScript } from './embed';

const script = (document.currentScript ??
  document.querySelector('script[data-widget-key]')) as HTMLScriptElement | null;
const start = () => mount(optionsFromScript(script));
if (document.body) start();
else document.addEventListener('DOMContentLoaded', start, { once: true });

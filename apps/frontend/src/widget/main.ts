// The IIFE entry of widget.js: runs once where the customer's page loads the script.
import { errorReportsConfig } from '../shared/error-reports';
import { mount, optionsFromScript } from './embed';
import { startErrorReports } from './error-reports';

const script = (document.currentScript ??
  document.querySelector('script[data-widget-key]')) as HTMLScriptElement | null;
startErrorReports(errorReportsConfig('widget', import.meta.env), script?.src ?? '');
const start = () => mount(optionsFromScript(script));
if (document.body) start();
else document.addEventListener('DOMContentLoaded', start, { once: true });

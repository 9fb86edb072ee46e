import { manifestUrl, registryRef } from './push';

describe('push refs', () => {
  it('moves a local tag under the registry', () => {
    expect(registryRef('127.0.0.1:5000', 'localhost/customercare/backend:sha-1a2b3c4')).toBe(
      '127.0.0.1:5000/customercare/backend:sha-1a2b3c4',
    );
    expect(registryRef('ghcr.io/acme/', 'docker.io/library/web:main')).toBe('ghcr.io/acme/web:main');
  });

  it('finds the manifest URL of a ref', () => {
    expect(manifestUrl('127.0.0.1:5000/customercare/backend:main', false)).toBe(
      'http://127.0.0.1:5000/v2/customercare/backend/manifests/main',
    );
    expect(manifestUrl('ghcr.io/acme/web', true)).toBe('https://ghcr.io/v2/acme/web/manifests/latest');
  });
});

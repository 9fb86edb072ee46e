import { pushRegistry } from './executor';
import { manifestUrl, registryRef, registryRepository } from './push';

describe('push refs', () => {
  it('pushes every tag of a project to <registry>/<project>', () => {
    expect(registryRef('127.0.0.1:5000', 'backend', 'localhost/customercare/backend:sha-1a2b3c4')).toBe(
      '127.0.0.1:5000/backend:sha-1a2b3c4',
    );
    expect(registryRef('ghcr.io/acme/customercare/', 'web', 'docker.io/library/web:main')).toBe(
      'ghcr.io/acme/customercare/web:main',
    );
    expect(registryRef('127.0.0.1:5000/ns', 'web', 'localhost:5000/web')).toBe('127.0.0.1:5000/ns/web:latest');
    expect(registryRepository('ghcr.io/acme/customercare', 'backend')).toBe('ghcr.io/acme/customercare/backend');
  });

  it('finds the manifest URL of a ref', () => {
    expect(manifestUrl('127.0.0.1:5000/customercare/backend:main', false)).toBe(
      'http://127.0.0.1:5000/v2/customercare/backend/manifests/main',
    );
    expect(manifestUrl('ghcr.io/acme/web', true)).toBe('https://ghcr.io/v2/acme/web/manifests/latest');
  });
});

describe('pushRegistry', () => {
  it('takes the registry from the variable, any OCI registry, without a trailing slash', () => {
    expect(pushRegistry('CONTAINER_REGISTRY', { CONTAINER_REGISTRY: 'registry.example.com:5000/team/' })).toEqual({
      name: 'registry.example.com:5000/team',
      tlsVerify: true,
    });
    expect(
      pushRegistry('CONTAINER_REGISTRY', {
        CONTAINER_REGISTRY: '127.0.0.1:5000',
        CONTAINER_REGISTRY_TLS_VERIFY: 'false',
        GITHUB_ACTIONS: 'true',
        GITHUB_REPOSITORY: 'Acme/CustomerCare',
      }),
    ).toEqual({ name: '127.0.0.1:5000', tlsVerify: false });
  });

  it("defaults to the repository's GHCR namespace, in lower case, on GitHub Actions", () => {
    expect(
      pushRegistry('CONTAINER_REGISTRY', { GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'Acme/CustomerCare' }),
    ).toEqual({ name: 'ghcr.io/acme/customercare', tlsVerify: true });
  });

  it('names the variable to set anywhere else', () => {
    expect(() => pushRegistry('CONTAINER_REGISTRY', { GITHUB_REPOSITORY: 'acme/customercare' })).toThrow(
      'push: CONTAINER_REGISTRY is not set. Set it to the registry to push to (host[:port][/namespace], e.g. ghcr.io/acme/customercare), and CONTAINER_REGISTRY_TLS_VERIFY=false for a plain-HTTP registry on loopback.',
    );
  });
});

import {
  archiveKeyring,
  asRoot,
  baseImageTags,
  baseKey,
  DEBIAN_ARCHIVE_KEYRING,
  debianMirrorFromSources,
  debootstrapCommand,
  mkdirCommand,
  parsePackageList,
  removeCommand,
  tarRootfsCommand,
} from './commands';

const python = {
  name: 'python',
  suite: 'bookworm',
  variant: 'minbase',
  packages: ['ca-certificates', 'python3', 'tini'],
};

describe('parsePackageList', () => {
  it('reads one package a line, drops comments and blanks, sorts and dedupes', () => {
    expect(parsePackageList('# base\ntini\n\npython3  # the runtime\ntini\n', 'x.packages')).toEqual([
      'python3',
      'tini',
    ]);
  });

  it('rejects versions and empty lists with the file name', () => {
    expect(() => parsePackageList('python3=3.11\n', 'tools/base-images/py.packages')).toThrow(
      'tools/base-images/py.packages: "python3=3.11" is not a Debian package name',
    );
    expect(() => parsePackageList('# nothing\n', 'empty.packages')).toThrow('empty.packages lists no packages');
  });
});

describe('base image keys', () => {
  it('is stable for the same list and changes with any package, the suite or the variant', () => {
    expect(baseKey(python)).toBe(baseKey({ ...python, packages: [...python.packages] }));
    expect(baseKey({ ...python, packages: [...python.packages, 'curl'] })).not.toBe(baseKey(python));
    expect(baseKey({ ...python, suite: 'trixie' })).not.toBe(baseKey(python));
    expect(baseKey({ ...python, variant: 'buildd' })).not.toBe(baseKey(python));
  });

  it('tags a keyed and a stable name', () => {
    expect(baseImageTags(python)).toEqual({
      keyed: `localhost/customercare/base-python:bookworm-${baseKey(python)}`,
      stable: 'localhost/customercare/base-python:bookworm',
    });
  });
});

describe('debianMirrorFromSources', () => {
  it('reads deb822 sources, skipping other suites and deb-src', () => {
    const sources = [
      'Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\n' +
        'Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\n\n' +
        'Types: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n',
    ];
    expect(debianMirrorFromSources(sources, 'bookworm')).toBe('http://mirror.example/debian');
  });

  it('reads one-line sources with options', () => {
    expect(debianMirrorFromSources(['deb [arch=amd64] http://ftp.example/debian bookworm main\n'], 'bookworm')).toBe(
      'http://ftp.example/debian',
    );
    expect(debianMirrorFromSources(['deb http://ftp.example/debian trixie main\n'], 'bookworm')).toBeNull();
  });
});

describe('argv', () => {
  it('debootstraps the minimal variant with the list and a shared .deb cache, checking the archive signature', () => {
    expect(
      debootstrapCommand(
        python,
        '/w/tmp/rootfs',
        'http://deb.debian.org/debian',
        '/w/.cache/debootstrap',
        '/w',
        DEBIAN_ARCHIVE_KEYRING,
      ).args,
    ).toEqual([
      '--keyring=/usr/share/keyrings/debian-archive-keyring.gpg',
      '--variant=minbase',
      '--include=ca-certificates,python3,tini',
      '--cache-dir=/w/.cache/debootstrap',
      'bookworm',
      '/w/tmp/rootfs',
      'http://deb.debian.org/debian',
    ]);
  });

  it('never turns the signature check off', () => {
    const args = debootstrapCommand(python, '/r', 'http://deb.debian.org/debian', '/c', '/w', '/k.gpg').args;
    expect(args).toContain('--keyring=/k.gpg');
    expect(args.filter((arg) => /check-gpg|allow-unauthenticated/.test(arg))).toEqual([]);
  });

  it("verifies with Debian's archive keyring, or the target's own", () => {
    expect(archiveKeyring('bookworm', undefined, (path) => path === DEBIAN_ARCHIVE_KEYRING)).toBe(
      DEBIAN_ARCHIVE_KEYRING,
    );
    expect(archiveKeyring('bookworm', '/etc/keys/mirror.gpg', (path) => path === '/etc/keys/mirror.gpg')).toBe(
      '/etc/keys/mirror.gpg',
    );
  });

  it('stops with the fix when the keyring is missing, instead of building unverified', () => {
    expect(() => archiveKeyring('bookworm', undefined, () => false)).toThrow(
      'base-image: /usr/share/keyrings/debian-archive-keyring.gpg is missing, so debootstrap could not check the signature of the bookworm archive, and a base image is never built unverified. Run `npm run setup` (tools/scripts/setup.d/60-podman.sh installs debian-archive-keyring), or set `keyring` in the target options to the keyring that signs bookworm.',
    );
    expect(() => archiveKeyring('trixie', '/nope.gpg', () => false)).toThrow(
      /^base-image: the keyring \/nope\.gpg \(the target's `keyring` option\) does not exist/,
    );
  });

  it('tars the rootfs reproducibly', () => {
    expect(tarRootfsCommand('/r', '/t.tar', '/w').args).toEqual(
      expect.arrayContaining(['--numeric-owner', '--sort=name', '--mtime=@0', '--clamp-mtime']),
    );
  });
});

describe('asRoot', () => {
  const tar = tarRootfsCommand('/w/rootfs', '/w/rootfs.tar', '/w');

  it('leaves a command as it is for root', () => {
    expect(asRoot(tar, 0, '/usr/bin/sudo', '/usr/bin/tar')).toBe(tar);
  });

  it('runs it through non-interactive sudo, by absolute path, for any other user', () => {
    const command = asRoot(tar, 1001, '/usr/bin/sudo', '/usr/bin/tar');
    expect([command.label, command.command, ...command.args.slice(0, 3)]).toEqual([
      'sudo tar',
      '/usr/bin/sudo',
      '-n',
      '/usr/bin/tar',
      '--create',
    ]);
    expect(command.args.slice(2)).toEqual(tar.args);
  });

  it('removes and creates folders inside the root-owned tree with plain argv', () => {
    expect(removeCommand(['/w/rootfs/var/log'], '/w').args).toEqual(['-rf', '--', '/w/rootfs/var/log']);
    expect(mkdirCommand(['/w/rootfs/var/log'], '/w').args).toEqual(['-p', '--', '/w/rootfs/var/log']);
  });
});

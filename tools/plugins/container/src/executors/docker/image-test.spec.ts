import { expandTestEnv, isRootUser } from './image-test';

describe('image test helpers', () => {
  it('treats an unset USER, root and uid 0 as root', () => {
    for (const user of ['', 'root', '0', '0:0', 'root:root']) expect(isRootUser(user)).toBe(true);
    for (const user of ['10001', '10001:10001', 'app', 'nginx:nginx']) expect(isRootUser(user)).toBe(false);
  });

  it('fills {random} with a fresh token per value', () => {
    let n = 0;
    expect(expandTestEnv({ SECRET_KEY: '{random}', A: 'x-{random}', B: 'plain' }, () => `r${++n}`)).toEqual({
      SECRET_KEY: 'r1',
      A: 'x-r2',
      B: 'plain',
    });
  });
});

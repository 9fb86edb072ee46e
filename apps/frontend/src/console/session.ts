/** Where the admin's JWT lives between reloads: the tab's sessionStorage, gone when the tab closes. */
const KEY = 'customercare.console.token';

export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (token: string) => sessionStorage.setItem(KEY, token),
  clear: () => sessionStorage.removeItem(KEY),
};

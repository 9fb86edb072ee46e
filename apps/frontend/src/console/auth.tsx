import { createAdminApi, type AdminApi } from '@customercare/api-client';
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { tokenStore } from './session';

interface Auth {
  api: AdminApi;
  signedIn: boolean;
  login: (email: string, password: string) => Promise<void>;
  logout: () => void;
}

const AuthContext = createContext<Auth | null>(null);

export interface AuthProviderProps {
  children: ReactNode;
  /** API origin; '' means the console's own origin (Vite's dev/preview proxy, or a reverse proxy). */
  baseUrl?: string;
  /** Tests pass a fake; the console creates the real client. */
  api?: AdminApi;
}

/** Holds the session: one AdminApi reading the current token, and login/logout that update it. */
export function AuthProvider({ children, baseUrl = '', api: injected }: AuthProviderProps) {
  const [signedIn, setSignedIn] = useState(() => tokenStore.get() !== null);
  const auth = useMemo<Auth>(() => {
    const logout = () => {
      tokenStore.clear();
      setSignedIn(false);
    };
    const api = injected ?? createAdminApi({ baseUrl, getToken: tokenStore.get, onUnauthorized: logout });
    return {
      api,
      signedIn,
      logout,
      login: async (email, password) => {
        const { access_token } = await api.login(email, password);
        tokenStore.set(access_token);
        setSignedIn(true);
      },
    };
  }, [baseUrl, injected, signedIn]);
  return <AuthContext.Provider value={auth}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth() needs an <AuthProvider> above it.');
  return auth;
}

export const useApi = (): AdminApi => useAuth().api;

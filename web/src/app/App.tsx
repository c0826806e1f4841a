/**
 * Routes. Every page but sign-in needs a session; pages load lazily except the catalog (the
 * page a tenant lands on) so the first load stays small.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { ApiError } from '../api/http.ts';
import { Loading } from '../components/Loading.tsx';
import { Catalog } from '../pages/Catalog.tsx';
import { SignIn } from '../pages/SignIn.tsx';
import { Layout } from './Layout.tsx';
import { BASE, routes } from './routes.ts';
import { SessionProvider, useSession } from './session.tsx';

const Workspaces = lazy(() => import('../pages/Workspaces.tsx'));
const ResourceList = lazy(() => import('../pages/ResourceList.tsx'));
const ResourceDetail = lazy(() => import('../pages/ResourceDetail.tsx'));
const ResourceCreate = lazy(() => import('../pages/ResourceCreate.tsx'));
const ResourceEdit = lazy(() => import('../pages/ResourceEdit.tsx'));
const ProviderPage = lazy(() => import('../pages/ProviderPage.tsx'));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // 4xx answers will not change by asking again; connection trouble might.
      retry: (count, error) =>
        !(error instanceof ApiError && error.code >= 400 && error.code < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

function RequireSession({ children }: { children: React.ReactNode }) {
  const { session } = useSession();
  const location = useLocation();
  if (!session)
    return <Navigate to={routes.signIn()} replace state={{ from: location.pathname }} />;
  return children;
}

function Home() {
  const { session } = useSession();
  return <Navigate to={session ? routes.catalog(session.home) : routes.signIn()} replace />;
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <BrowserRouter basename={BASE}>
          <Routes>
            <Route path="/signin" element={<SignIn />} />
            <Route
              path="/w/:ws"
              element={
                <RequireSession>
                  <Layout />
                </RequireSession>
              }
            >
              <Route path="catalog" element={<Catalog />} />
              <Route path="workspaces" element={<Lazy page={<Workspaces />} />} />
              <Route
                path="r/:group/:version/:resource"
                element={<Lazy page={<ResourceList />} />}
              />
              <Route
                path="r/:group/:version/:resource/new"
                element={<Lazy page={<ResourceCreate />} />}
              />
              <Route
                path="r/:group/:version/:resource/:namespace/:name"
                element={<Lazy page={<ResourceDetail />} />}
              />
              <Route
                path="r/:group/:version/:resource/:namespace/:name/edit"
                element={<Lazy page={<ResourceEdit />} />}
              />
              <Route path="p/:provider/*" element={<Lazy page={<ProviderPage />} />} />
              <Route index element={<Navigate to="catalog" replace />} />
            </Route>
            <Route path="*" element={<Home />} />
          </Routes>
        </BrowserRouter>
      </SessionProvider>
    </QueryClientProvider>
  );
}

function Lazy({ page }: { page: React.ReactNode }) {
  return <Suspense fallback={<Loading label="Loading page" />}>{page}</Suspense>;
}

import { useQuery } from '@apollo/client/react';
import { useEffect, useRef, useState } from 'react';
import { useSession } from '../../api/context.tsx';
import { graphql } from '../../gql';
import type { GalleryImagesQuery } from '../../gql/graphql.ts';
import { describeError } from '../../lib/errors.ts';
import { linkTo } from '../../lib/router.ts';
import { ImageDialog } from './image-dialog.tsx';

const GalleryImagesDocument = graphql(`
  query GalleryImages($first: Int!, $after: String) {
    me {
      id
      images(first: $first, after: $after) {
        edges {
          cursor
          node {
            id
            kind
            converter
            url
            thumbnailUrl
            width
            height
            format
            bytes
            createdAt
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

export type GalleryImage = NonNullable<GalleryImagesQuery['me']>['images']['edges'][number]['node'];

const PAGE_SIZE = 24;

/** Every saved original and result, newest first, a page at a time as the grid scrolls. */
export default function GalleryPage() {
  const { session, status } = useSession();
  if (status === 'restoring') return <p role="status">Checking your sign-in…</p>;
  if (!session) {
    return (
      <section className="panel narrow" aria-labelledby="gallery-heading">
        <h2 id="gallery-heading">Your gallery</h2>
        <p>
          <a {...linkTo('/account')}>Sign in</a> to see the photos you converted and their results.
        </p>
      </section>
    );
  }
  return <Gallery />;
}

function Gallery() {
  const { data, error, loading, fetchMore } = useQuery(GalleryImagesDocument, {
    variables: { first: PAGE_SIZE },
    notifyOnNetworkStatusChange: true,
  });
  const [open, setOpen] = useState<GalleryImage | null>(null);
  const [moreError, setMoreError] = useState<string | null>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const images = data?.me?.images;
  const pageInfo = images?.pageInfo;

  const loadMore = async () => {
    if (!pageInfo?.hasNextPage || loading) return;
    setMoreError(null);
    try {
      await fetchMore({ variables: { after: pageInfo.endCursor } });
    } catch (failure) {
      setMoreError(describeError(failure).message);
    }
  };
  // The latest loadMore for the observer, which is set up once.
  const loadMoreRef = useRef(loadMore);
  loadMoreRef.current = loadMore;

  // Observed anew after each page: an observer reports only changes, and when a page leaves the
  // end of the grid in sight (a tall screen), nothing would change and nothing more would load. A
  // new observer reports the current state at once.
  const endCursor = pageInfo?.endCursor;
  useEffect(() => {
    const target = sentinel.current;
    if (!target || typeof IntersectionObserver === 'undefined' || endCursor === undefined) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) void loadMoreRef.current();
      },
      { rootMargin: '400px' },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, [endCursor]);

  const edges = images?.edges ?? [];
  return (
    <section aria-labelledby="gallery-heading">
      <h2 id="gallery-heading">Your gallery</h2>
      {error && !data && (
        <p className="error" role="alert">
          Could not load your gallery: {describeError(error).message}
        </p>
      )}
      {data && edges.length === 0 && (
        <p>
          Nothing here yet. <a {...linkTo('/')}>Convert a photo</a> and it is kept here with its result.
        </p>
      )}
      <ul className="gallery-grid">
        {edges.map(({ node }) => (
          <li key={node.id}>
            <button type="button" className="thumb" onClick={() => setOpen(node)}>
              <img src={node.thumbnailUrl} alt="" loading="lazy" width={node.width} height={node.height} />
              <span className="thumb-label">
                {node.kind === 'ORIGINAL' ? 'Original' : `Result: ${node.converter ?? 'converted'}`}
                <span className="visually-hidden">, {new Date(node.createdAt).toLocaleString()}</span>
              </span>
            </button>
          </li>
        ))}
      </ul>
      <div ref={sentinel} className="gallery-end">
        {loading && <p role="status">Loading…</p>}
        {moreError && (
          <p className="error" role="alert">
            {moreError}
          </p>
        )}
        {pageInfo?.hasNextPage && !loading && (
          <button type="button" onClick={() => void loadMore()}>
            Load more
          </button>
        )}
      </div>
      {open && data?.me && <ImageDialog image={open} userId={data.me.id} onClose={() => setOpen(null)} />}
    </section>
  );
}

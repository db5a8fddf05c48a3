import type { Reference } from '@apollo/client';
import { useMutation } from '@apollo/client/react';
import { useEffect, useId, useRef, useState } from 'react';
import { graphql } from '../../gql';
import { describeError } from '../../lib/errors.ts';
import type { GalleryImage } from './gallery-page.tsx';

const DeleteImageDocument = graphql(`
  mutation DeleteImage($id: ID!) {
    deleteImage(id: $id)
  }
`);

const formatBytes = (bytes: number) =>
  bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KB` : `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/**
 * One image full size, in a modal <dialog> (the browser traps focus, Escape closes it, and focus
 * returns to the thumbnail), with its details, a download and a two-step delete.
 */
export function ImageDialog({
  image,
  userId,
  onClose,
}: {
  image: GalleryImage;
  userId: string;
  onClose(): void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [deleteImage, { loading }] = useMutation(DeleteImageDocument);

  // No close() on unmount: removing an open dialog takes it out of the top layer anyway, and a
  // close() there fires `close`, so under StrictMode's mount-unmount-mount the dialog would close
  // itself (onClose) right after opening.
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal?.();
  }, []);

  const remove = async () => {
    setError(null);
    try {
      await deleteImage({
        variables: { id: image.id },
        update(cache) {
          // Out of the loaded pages (keeping them, and the scroll position), then out of the cache.
          cache.modify<{ images: { edges: Array<{ node: Reference }> } }>({
            id: cache.identify({ __typename: 'User', id: userId }),
            fields: {
              images(existing, { readField }) {
                if (!existing || !('edges' in existing)) return existing;
                return {
                  ...existing,
                  edges: existing.edges.filter((edge) => readField('id', edge.node) !== image.id),
                };
              },
            },
          });
          cache.evict({ id: cache.identify({ __typename: 'Image', id: image.id }) });
          cache.gc();
        },
      });
      onClose();
    } catch (failure) {
      setError(describeError(failure).message);
    }
  };

  const title = image.kind === 'ORIGINAL' ? 'Original' : `Result of ${image.converter ?? 'a converter'}`;
  return (
    <dialog ref={dialog} className="image-dialog" aria-labelledby={`${id}-title`} onClose={onClose}>
      <div className="dialog-header">
        <h2 id={`${id}-title`}>{title}</h2>
        <button type="button" onClick={onClose} aria-label="Close">
          ×
        </button>
      </div>
      <img className="full-image" src={image.url} alt={title} width={image.width} height={image.height} />
      <p className="hint">
        {image.width}×{image.height} · {image.format.toUpperCase()} · {formatBytes(image.bytes)} · saved{' '}
        {new Date(image.createdAt).toLocaleString()}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <a className="button-like primary" href={image.url} download>
          Download
        </a>
        {confirming ? (
          <>
            <button type="button" className="danger" onClick={() => void remove()} disabled={loading}>
              {loading ? 'Deleting…' : 'Yes, delete it'}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
      </div>
    </dialog>
  );
}

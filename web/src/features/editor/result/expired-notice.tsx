import { linkTo } from '../../../lib/router.ts';
import { ConvertAgain, type ConvertAgainProps } from './convert-again.tsx';

interface ExpiredNoticeProps extends ConvertAgainProps {
  /** Made signed in: the gallery keeps the result past the job. */
  inGallery: boolean;
}

/**
 * What is left once a result expired: where to find it, and a way to make it again from the
 * photo still in the page. The live region above (JobStatus) announces the expiry itself.
 */
export function ExpiredNotice({ inGallery, ...again }: ExpiredNoticeProps) {
  return (
    <div className="expired">
      <p>
        {inGallery ? (
          <>
            Your photo and its result are still in <a {...linkTo('/gallery')}>your gallery</a>. Or convert it
            again with the same converter and settings.
          </>
        ) : (
          'Results are kept for a limited time. Convert the photo again with the same converter and settings.'
        )}
      </p>
      <ConvertAgain {...again} />
    </div>
  );
}

/** An image as the gallery's GraphQL API answers it: the fields a test asks for, and their shape. */
export const imageFields =
  'id kind converter original { id kind } url thumbnailUrl width height format bytes createdAt';

export interface ImageNode {
  id: string;
  kind: 'ORIGINAL' | 'CONVERTED';
  converter: string | null;
  original: { id: string; kind: string } | null;
  url: string;
  thumbnailUrl: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
  createdAt: string;
}

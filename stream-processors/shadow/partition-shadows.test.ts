import { PartitionShadows } from './partition-shadows';
import { absentShadow } from './shadow-document';

const at = (version: number) => ({ ...absentShadow(), version, exists: true });

describe('PartitionShadows', () => {
  it('reads what is staged over what is committed, and an absent shadow for an unknown device', () => {
    const shadows = new PartitionShadows();
    shadows.restore('a/b/c', at(4));
    expect(shadows.get('a/b/c').version).toBe(4);
    shadows.stage('a/b/c', at(5));
    expect(shadows.get('a/b/c').version).toBe(5);
    expect(shadows.get('a/b/other')).toMatchObject({ version: 0, exists: false });
  });

  it('keeps staged changes on commit and forgets them on discard', () => {
    const shadows = new PartitionShadows();
    shadows.stage('d1', at(1));
    shadows.commit();
    shadows.stage('d1', at(2));
    shadows.stage('d2', at(1));
    shadows.discard();
    expect([shadows.get('d1').version, shadows.get('d2').version, shadows.size]).toEqual([1, 0, 1]);
  });

  it('forgets a device whose record was removed from the shadows topic', () => {
    const shadows = new PartitionShadows();
    shadows.restore('d1', at(3));
    shadows.restore('d1', undefined);
    expect(shadows.get('d1').version).toBe(0);
  });
});

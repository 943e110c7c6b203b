namespace CnnNative.Imaging;

/// <summary>The PNG row filters (ISO/IEC 15948 section 9) shared by the writer and the reader.</summary>
internal static class PngFilters
{
    /// <summary>The Paeth predictor: whichever of left, up and up-left is closest to left + up - upLeft.</summary>
    public static int Paeth(int left, int up, int upLeft)
    {
        int p = left + up - upLeft;
        int pa = Math.Abs(p - left), pb = Math.Abs(p - up), pc = Math.Abs(p - upLeft);
        if (pa <= pb && pa <= pc) return left;
        return pb <= pc ? up : upLeft;
    }

    /// <summary>
    /// Undoes filter <paramref name="type"/> on <paramref name="row"/> in place, given the already unfiltered
    /// <paramref name="previous"/> row (empty for the first row) and <paramref name="bpp"/> bytes per pixel
    /// (at least 1). Returns false for an unknown filter type.
    /// </summary>
    public static bool Unfilter(int type, Span<byte> row, ReadOnlySpan<byte> previous, int bpp)
    {
        switch (type)
        {
            case 0:
                return true;
            case 1:
                for (int i = bpp; i < row.Length; i++) row[i] += row[i - bpp];
                return true;
            case 2:
                if (!previous.IsEmpty) for (int i = 0; i < row.Length; i++) row[i] += previous[i];
                return true;
            case 3:
                for (int i = 0; i < row.Length; i++)
                {
                    int left = i >= bpp ? row[i - bpp] : 0;
                    int up = previous.IsEmpty ? 0 : previous[i];
                    row[i] += (byte)((left + up) >> 1);
                }
                return true;
            case 4:
                for (int i = 0; i < row.Length; i++)
                {
                    int left = i >= bpp ? row[i - bpp] : 0;
                    int up = previous.IsEmpty ? 0 : previous[i];
                    int upLeft = i >= bpp && !previous.IsEmpty ? previous[i - bpp] : 0;
                    row[i] += (byte)Paeth(left, up, upLeft);
                }
                return true;
            default:
                return false;
        }
    }
}

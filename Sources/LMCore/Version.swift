/// The version lmsh reports.
public enum LMVersion {
    public static let string = "0.1.0"
}

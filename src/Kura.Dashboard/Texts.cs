using System.Globalization;

namespace Kura.Dashboard;

/// <summary>
/// The dashboard's words in English and Japanese. The language is the <c>kura_lang</c> cookie when the user chose one,
/// otherwise the first of <c>Accept-Language</c> that Kura speaks, otherwise English.
/// </summary>
public sealed class Texts
{
    public const string English = "en";
    public const string Japanese = "ja";
    public static readonly string[] Languages = [English, Japanese];

    private static readonly Dictionary<string, (string En, string Ja)> Words = new(StringComparer.Ordinal)
    {
        ["brand"] = ("Kura images", "Kura イメージ"),
        ["skip"] = ("Skip to main content", "本文へ移動"),
        ["signin.title"] = ("Sign in", "サインイン"),
        ["signin.intro"] = ("Sign in with your Kura user, password and project.", "Kura のユーザー名、パスワード、プロジェクトでサインインします。"),
        ["signin.user"] = ("User name", "ユーザー名"),
        ["signin.password"] = ("Password", "パスワード"),
        ["signin.project"] = ("Project", "プロジェクト"),
        ["signin.submit"] = ("Sign in", "サインイン"),
        ["signin.failed"] = ("Sign-in failed: the user name, password or project is wrong, or the user has no role on that project.", "サインインできませんでした。ユーザー名・パスワード・プロジェクトが正しくないか、そのプロジェクトでの権限がありません。"),
        ["signin.expired"] = ("Your session has ended. Please sign in again.", "セッションが終了しました。もう一度サインインしてください。"),
        ["signout"] = ("Sign out", "サインアウト"),
        ["signedin.as"] = ("Signed in as", "サインイン中:"),
        ["project.switch"] = ("Switch project", "プロジェクト切替"),
        ["project.switched"] = ("Now working in project {0}.", "プロジェクト {0} に切り替えました。"),
        ["language"] = ("Language", "言語"),
        ["language.other"] = ("日本語", "English"),
        ["nav.images"] = ("Images", "イメージ"),
        ["nav.create"] = ("Create image", "イメージ作成"),
        ["images.title"] = ("Images", "イメージ一覧"),
        ["images.none"] = ("No images match.", "該当するイメージはありません。"),
        ["images.next"] = ("Next page", "次のページ"),
        ["images.first"] = ("First page", "最初のページ"),
        ["images.count"] = ("{0} images on this page", "このページのイメージ: {0} 件"),
        ["filter.title"] = ("Filter", "絞り込み"),
        ["filter.name"] = ("Name (exact)", "名前 (完全一致)"),
        ["filter.status"] = ("Status", "ステータス"),
        ["filter.visibility"] = ("Visibility", "公開範囲"),
        ["filter.disk_format"] = ("Disk format", "ディスク形式"),
        ["filter.tags"] = ("Tags (comma-separated, all must match)", "タグ (カンマ区切り、すべて一致)"),
        ["filter.owner"] = ("Owner project ID", "所有プロジェクト ID"),
        ["filter.any"] = ("Any", "すべて"),
        ["filter.apply"] = ("Apply filters", "絞り込む"),
        ["filter.clear"] = ("Clear", "クリア"),
        ["sort.by"] = ("Sort by {0}", "{0} で並べ替え"),
        ["sort.asc"] = ("ascending", "昇順"),
        ["sort.desc"] = ("descending", "降順"),
        ["usage.title"] = ("Storage", "ストレージ"),
        ["usage.of"] = ("{0} of {1} used ({2})", "{1} 中 {0} 使用 ({2})"),
        ["usage.unlimited"] = ("{0} used; no quota", "{0} 使用 (上限なし)"),
        ["usage.images"] = ("{0} images", "イメージ {0} 件"),
        ["shared.title"] = ("Images shared with your project", "このプロジェクトに共有されたイメージ"),
        ["shared.none"] = ("Nothing is shared with your project.", "共有されたイメージはありません。"),
        ["col.name"] = ("Name", "名前"),
        ["col.status"] = ("Status", "ステータス"),
        ["col.visibility"] = ("Visibility", "公開範囲"),
        ["col.disk_format"] = ("Disk format", "ディスク形式"),
        ["col.container_format"] = ("Container format", "コンテナー形式"),
        ["col.size"] = ("Size", "サイズ"),
        ["col.virtual_size"] = ("Virtual size", "仮想サイズ"),
        ["col.created_at"] = ("Created", "作成日時"),
        ["col.updated_at"] = ("Updated", "更新日時"),
        ["col.owner"] = ("Owner", "所有者"),
        ["col.id"] = ("ID", "ID"),
        ["col.protected"] = ("Protected", "削除保護"),
        ["col.min_disk"] = ("Minimum disk (GB)", "最小ディスク (GB)"),
        ["col.min_ram"] = ("Minimum RAM (MB)", "最小メモリ (MB)"),
        ["col.checksum"] = ("MD5 checksum", "MD5 チェックサム"),
        ["col.os_hash"] = ("Hash", "ハッシュ"),
        ["col.tags"] = ("Tags", "タグ"),
        ["col.properties"] = ("Properties", "プロパティ"),
        ["col.member"] = ("Project", "プロジェクト"),
        ["col.member_status"] = ("Share status", "共有状態"),
        ["col.actions"] = ("Actions", "操作"),
        ["yes"] = ("Yes", "はい"),
        ["no"] = ("No", "いいえ"),
        ["none"] = ("(none)", "(なし)"),
        ["unnamed"] = ("(no name)", "(名前なし)"),
        ["detail.title"] = ("Image {0}", "イメージ {0}"),
        ["detail.actions"] = ("Actions", "操作"),
        ["detail.members"] = ("Shared with", "共有先"),
        ["detail.members.none"] = ("Not shared with any project.", "どのプロジェクトにも共有されていません。"),
        ["detail.members.notshared"] = ("Set the visibility to “shared” to share this image with other projects.", "他のプロジェクトと共有するには公開範囲を「共有」にしてください。"),
        ["detail.yourshare"] = ("This image is shared with your project: {0}.", "このイメージはあなたのプロジェクトに共有されています: {0}"),
        ["action.edit"] = ("Edit", "編集"),
        ["action.upload"] = ("Upload data", "データをアップロード"),
        ["action.download"] = ("Download", "ダウンロード"),
        ["action.deactivate"] = ("Deactivate", "無効化"),
        ["action.reactivate"] = ("Reactivate", "再有効化"),
        ["action.delete"] = ("Delete", "削除"),
        ["action.accept"] = ("Accept", "承認"),
        ["action.reject"] = ("Reject", "拒否"),
        ["action.share"] = ("Share", "共有"),
        ["action.unshare"] = ("Stop sharing", "共有を解除"),
        ["action.save"] = ("Save", "保存"),
        ["action.cancel"] = ("Cancel", "キャンセル"),
        ["action.back"] = ("Back to images", "一覧へ戻る"),
        ["share.project"] = ("Project ID to share with", "共有先プロジェクト ID"),
        ["done.created"] = ("Image created.", "イメージを作成しました。"),
        ["done.saved"] = ("Changes saved.", "変更を保存しました。"),
        ["done.deleted"] = ("Image {0} deleted.", "イメージ {0} を削除しました。"),
        ["done.deactivated"] = ("Image deactivated.", "イメージを無効化しました。"),
        ["done.reactivated"] = ("Image reactivated.", "イメージを再有効化しました。"),
        ["done.shared"] = ("Shared with project {0}.", "プロジェクト {0} に共有しました。"),
        ["done.unshared"] = ("Stopped sharing with project {0}.", "プロジェクト {0} への共有を解除しました。"),
        ["done.accepted"] = ("Share accepted.", "共有を承認しました。"),
        ["done.rejected"] = ("Share rejected.", "共有を拒否しました。"),
        ["done.pending"] = ("Share set back to pending.", "共有を保留中に戻しました。"),
        ["failed"] = ("Kura refused: {0}", "Kura が拒否しました: {0}"),
        ["create.title"] = ("Create an image", "イメージの作成"),
        ["create.file"] = ("Image file", "イメージファイル"),
        ["create.file.help"] = ("Optional. The file is sent straight from your disk; it can be many gigabytes.", "省略可。ファイルはディスクから直接送信されます。数 GB の大きさでも構いません。"),
        ["create.submit"] = ("Create and upload", "作成してアップロード"),
        ["edit.title"] = ("Edit image {0}", "イメージ {0} の編集"),
        ["edit.tags.help"] = ("Comma-separated.", "カンマ区切り。"),
        ["edit.properties.help"] = ("One per line: key=value. Remove a line to remove the property.", "1 行に 1 つ: key=value。行を消すとプロパティを削除します。"),
        ["upload.title"] = ("Upload image data", "イメージデータのアップロード"),
        ["upload.submit"] = ("Upload", "アップロード"),
        ["upload.progress"] = ("Upload progress", "アップロードの進捗"),
        ["upload.js"] = ("Uploading needs JavaScript.", "アップロードには JavaScript が必要です。"),
        ["upload.refused"] = ("The image was refused: {0}", "イメージは受け付けられませんでした: {0}"),
        ["upload.failed"] = ("The upload failed: {0}", "アップロードに失敗しました: {0}"),
        ["upload.network"] = ("The connection was lost during the upload. The image has no data yet; try again.", "アップロード中に接続が切れました。イメージにはまだデータがありません。もう一度お試しください。"),
        ["upload.done"] = ("Upload complete.", "アップロードが完了しました。"),
        ["upload.creating"] = ("Creating the image…", "イメージを作成しています…"),
        ["upload.status"] = ("{0} of {1} ({2}) · {3}/s · {4} left", "{1} 中 {0} ({2}) · {3}/秒 · 残り {4}"),
        ["upload.verifying"] = ("All bytes sent; Kura is checking and storing the image…", "送信完了。Kura がイメージを検査・保存しています…"),
        ["delete.title"] = ("Delete image {0}?", "イメージ {0} を削除しますか?"),
        ["delete.warning"] = ("The image and its data are deleted for good. This cannot be undone.", "イメージとそのデータは完全に削除され、元に戻せません。"),
        ["delete.confirm"] = ("Yes, delete it", "削除する"),
        ["error.title"] = ("Something went wrong", "エラーが発生しました"),
        ["error.notfound"] = ("The page or image was not found, or you may not see it.", "ページまたはイメージが見つからないか、表示する権限がありません。"),
        ["error.antiforgery"] = ("The form was stale or did not come from this site. Go back, reload the page and try again.", "フォームが古いか、このサイトから送信されたものではありません。ページを再読み込みしてやり直してください。"),
        ["vis.public"] = ("public", "公開"),
        ["vis.private"] = ("private", "非公開"),
        ["vis.shared"] = ("shared", "共有"),
        ["vis.community"] = ("community", "コミュニティ"),
        ["member.pending"] = ("pending", "保留中"),
        ["member.accepted"] = ("accepted", "承認済み"),
        ["member.rejected"] = ("rejected", "拒否済み"),
    };

    private Texts(string language) => Language = language;

    public static readonly Texts En = new(English);
    public static readonly Texts Ja = new(Japanese);

    public string Language { get; }

    public string this[string key] => Words.TryGetValue(key, out var w) ? (Language == Japanese ? w.Ja : w.En) : key;

    public string Format(string key, params object?[] args) => string.Format(CultureInfo.InvariantCulture, this[key], args);

    /// <summary>A visibility or member status in words; an unknown value as it is.</summary>
    public string Word(string prefix, string value) => Words.ContainsKey($"{prefix}.{value}") ? this[$"{prefix}.{value}"] : value;

    public static Texts For(string? language) => language == Japanese ? Ja : En;

    /// <summary>The language of a request: the chosen cookie, else the first supported language of Accept-Language.</summary>
    public static Texts Choose(string? cookie, string? acceptLanguage)
    {
        if (cookie is English or Japanese)
        {
            return For(cookie);
        }

        foreach (var part in (acceptLanguage ?? string.Empty).Split(','))
        {
            var tag = part.Split(';')[0].Trim().ToLowerInvariant();
            if (tag.StartsWith(Japanese, StringComparison.Ordinal))
            {
                return Ja;
            }

            if (tag.StartsWith(English, StringComparison.Ordinal))
            {
                return En;
            }
        }

        return En;
    }

    /// <summary>Bytes as people read them: 1.5 GiB, 200 MiB.</summary>
    public static string Bytes(long? bytes)
    {
        if (bytes is null)
        {
            return "—";
        }

        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = bytes.Value;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes.Value} B" : value.ToString(value < 10 ? "0.0#" : "0.#", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}

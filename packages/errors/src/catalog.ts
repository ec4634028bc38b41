/**
 * The one error catalog of PBShop: every code a client can receive, its HTTP status and its
 * message in Korean (the default), English and Japanese. The API and the workers use these codes;
 * `GET /errors/codes` serves this table, so its documentation is the code itself.
 */
export const languages = ['ko', 'en', 'ja'] as const;
export type Language = (typeof languages)[number];

export interface CatalogEntry {
  status: number;
  message: Record<Language, string>;
}

const entry = (status: number, ko: string, en: string, ja: string): CatalogEntry => ({
  status,
  message: { ko, en, ja },
});

export const errorCatalog = {
  // common
  VALIDATION_ERROR: entry(
    400,
    '입력값이 올바르지 않습니다.',
    'Input validation failed.',
    '入力値が正しくありません。',
  ),
  MALFORMED_JSON: entry(
    400,
    '요청 본문이 올바른 JSON이 아닙니다.',
    'The request body is not valid JSON.',
    'リクエスト本文が正しいJSONではありません。',
  ),
  UNAUTHORIZED: entry(401, '로그인이 필요합니다.', 'Authentication required.', 'ログインが必要です。'),
  TOKEN_EXPIRED: entry(
    401,
    '토큰이 만료되었습니다.',
    'The token has expired.',
    'トークンの有効期限が切れました。',
  ),
  TOKEN_INVALID: entry(401, '토큰이 유효하지 않습니다.', 'The token is invalid.', 'トークンが無効です。'),
  FORBIDDEN: entry(403, '권한이 없습니다.', 'You do not have permission.', '権限がありません。'),
  NOT_FOUND: entry(
    404,
    '요청한 리소스를 찾을 수 없습니다.',
    'The resource was not found.',
    'リソースが見つかりません。',
  ),
  CONFLICT: entry(
    409,
    '다른 변경과 충돌했습니다.',
    'The request conflicts with the current state.',
    '現在の状態と競合しています。',
  ),
  PAYLOAD_TOO_LARGE: entry(
    413,
    '요청 본문이 너무 큽니다.',
    'The request body is too large.',
    'リクエスト本文が大きすぎます。',
  ),
  FILE_TOO_LARGE: entry(413, '파일이 너무 큽니다.', 'The file is too large.', 'ファイルが大きすぎます。'),
  MEDIA_TYPE_NOT_ALLOWED: entry(
    415,
    '허용되지 않는 형식입니다.',
    'This media type is not allowed.',
    '許可されていない形式です。',
  ),
  TOO_MANY_REQUESTS: entry(
    429,
    '요청이 너무 많습니다. 잠시 후 다시 시도하세요.',
    'Too many requests; try again later.',
    'リクエストが多すぎます。しばらくしてから再試行してください。',
  ),
  INTERNAL_ERROR: entry(
    500,
    '서버 오류가 발생했습니다.',
    'Internal server error.',
    'サーバーエラーが発生しました。',
  ),
  SERVICE_UNAVAILABLE: entry(
    503,
    '서비스를 일시적으로 사용할 수 없습니다.',
    'The service is temporarily unavailable.',
    'サービスは一時的に利用できません。',
  ),
  // auth
  DUPLICATE_EMAIL: entry(
    409,
    '이미 가입된 이메일입니다.',
    'This e-mail is already registered.',
    'このメールアドレスは登録済みです。',
  ),
  INVALID_CREDENTIALS: entry(
    401,
    '이메일 또는 비밀번호가 올바르지 않습니다.',
    'Wrong e-mail or password.',
    'メールアドレスまたはパスワードが正しくありません。',
  ),
  EMAIL_NOT_VERIFIED: entry(
    403,
    '이메일 인증이 필요합니다.',
    'The e-mail address is not verified yet.',
    'メール認証が必要です。',
  ),
  USER_BLOCKED: entry(
    403,
    '이용이 제한된 계정입니다.',
    'This account is blocked.',
    'このアカウントは利用停止中です。',
  ),
  INVALID_VERIFICATION_CODE: entry(
    400,
    '인증 코드가 올바르지 않습니다.',
    'The verification code is wrong.',
    '認証コードが正しくありません。',
  ),
  VERIFICATION_CODE_EXPIRED: entry(
    410,
    '인증 코드가 만료되었습니다.',
    'The verification code has expired.',
    '認証コードの有効期限が切れました。',
  ),
  VERIFICATION_ATTEMPT_EXCEEDED: entry(
    429,
    '인증 시도 횟수를 초과했습니다.',
    'Too many wrong codes; request a new one.',
    '認証の試行回数を超えました。',
  ),
  ALREADY_VERIFIED: entry(409, '이미 인증되었습니다.', 'Already verified.', 'すでに認証済みです。'),
  RESEND_RATE_LIMITED: entry(
    429,
    '1분 후에 다시 요청하세요.',
    'Wait a minute before asking again.',
    '1分後に再度お試しください。',
  ),
  PHONE_MISMATCH: entry(
    400,
    '전화번호가 일치하지 않습니다.',
    'The phone number does not match.',
    '電話番号が一致しません。',
  ),
  INVALID_RESET_TOKEN: entry(
    401,
    '비밀번호 재설정 토큰이 유효하지 않습니다.',
    'The password reset token is invalid or used.',
    'パスワード再設定トークンが無効です。',
  ),
  SAME_PASSWORD: entry(
    400,
    '이전과 같은 비밀번호는 사용할 수 없습니다.',
    'The new password equals the old one.',
    '以前と同じパスワードは使用できません。',
  ),
  INVALID_PROVIDER: entry(
    400,
    '지원하지 않는 소셜 로그인입니다.',
    'Unsupported social login provider.',
    'サポートされていないソーシャルログインです。',
  ),
  INVALID_STATE: entry(
    400,
    '소셜 로그인 요청이 유효하지 않습니다.',
    'The social login state is invalid or expired.',
    'ソーシャルログインの要求が無効です。',
  ),
  SOCIAL_AUTH_FAILED: entry(
    401,
    '소셜 인증에 실패했습니다.',
    'Social authentication failed.',
    'ソーシャル認証に失敗しました。',
  ),
  SOCIAL_ALREADY_LINKED: entry(
    409,
    '다른 계정에 연결된 소셜 계정입니다.',
    'This social account is linked to another account.',
    'このソーシャルアカウントは別のアカウントに連携済みです。',
  ),
  PROVIDER_ALREADY_LINKED: entry(
    409,
    '이미 연결된 소셜 로그인입니다.',
    'A social account of this provider is already linked.',
    'このプロバイダーはすでに連携済みです。',
  ),
  SOCIAL_NOT_LINKED: entry(
    404,
    '연결되지 않은 소셜 계정입니다.',
    'No social account of this provider is linked.',
    '連携されていないソーシャルアカウントです。',
  ),
  CANNOT_UNLINK: entry(
    400,
    '로그인 수단이 없어 연결을 해제할 수 없습니다.',
    'Cannot unlink: no other way to log in would remain.',
    'ログイン手段がなくなるため連携を解除できません。',
  ),
  // users
  USER_NOT_FOUND: entry(404, '사용자를 찾을 수 없습니다.', 'User not found.', 'ユーザーが見つかりません。'),
  NICKNAME_TAKEN: entry(
    409,
    '이미 사용 중인 닉네임입니다.',
    'This nickname is taken.',
    'このニックネームは使用中です。',
  ),
  CANNOT_CHANGE_OWN_STATUS: entry(
    400,
    '자신의 계정 상태는 변경할 수 없습니다.',
    'You cannot deactivate or block your own account.',
    '自分のアカウントの状態は変更できません。',
  ),
  INVALID_IMAGE: entry(
    400,
    '이미지를 읽을 수 없습니다. 손상되었거나 잘린 파일입니다.',
    'The image cannot be read; the file is damaged or truncated.',
    '画像を読み込めません。ファイルが破損しているか途中で切れています。',
  ),
  IMAGE_DIMENSIONS_TOO_LARGE: entry(
    413,
    '이미지의 가로세로 크기가 너무 큽니다.',
    'The image has too many pixels.',
    '画像の縦横サイズが大きすぎます。',
  ),
  // categories and sellers
  CATEGORY_NOT_FOUND: entry(
    404,
    '카테고리를 찾을 수 없습니다.',
    'Category not found.',
    'カテゴリが見つかりません。',
  ),
  CATEGORY_HAS_CHILDREN: entry(
    409,
    '하위 카테고리가 있는 카테고리는 삭제할 수 없습니다.',
    'The category has subcategories; delete or move them first.',
    'サブカテゴリがあるカテゴリは削除できません。',
  ),
  CATEGORY_HAS_PRODUCTS: entry(
    409,
    '상품이 등록된 카테고리는 삭제할 수 없습니다.',
    'Products still belong to this category; move them first.',
    '商品が登録されているカテゴリは削除できません。',
  ),
  SELLER_NOT_FOUND: entry(404, '판매처를 찾을 수 없습니다.', 'Seller not found.', '販売店が見つかりません。'),
  // domain codes of the contract, used by later modules
  PRODUCT_NOT_FOUND: entry(404, '상품을 찾을 수 없습니다.', 'Product not found.', '商品が見つかりません。'),
  PRODUCT_OPTION_NOT_FOUND: entry(
    404,
    '상품 옵션을 찾을 수 없습니다.',
    'Product option not found.',
    '商品オプションが見つかりません。',
  ),
  PRODUCT_IMAGE_NOT_FOUND: entry(
    404,
    '상품 이미지를 찾을 수 없습니다.',
    'Product image not found.',
    '商品画像が見つかりません。',
  ),
  OFFER_NOT_FOUND: entry(
    404,
    '판매 가격 정보를 찾을 수 없습니다.',
    'Price entry not found.',
    '販売価格情報が見つかりません。',
  ),
  // specs (SPEC-01..04, SENG-01..05)
  SPEC_DEFINITION_NOT_FOUND: entry(
    404,
    '스펙 정의를 찾을 수 없습니다.',
    'Spec definition not found.',
    'スペック定義が見つかりません。',
  ),
  SPEC_TEMPLATE_CYCLE: entry(
    409,
    '스펙 템플릿 상속이 순환합니다.',
    'The spec template inheritance would form a cycle.',
    'スペックテンプレートの継承が循環します。',
  ),
  INVALID_SPEC_VALUE: entry(
    400,
    '스펙 값이 정의와 맞지 않습니다.',
    'A spec value does not match its definition.',
    'スペック値が定義と一致しません。',
  ),
  // media (uploads, images, short-forms, streaming)
  MEDIA_NOT_FOUND: entry(404, '파일을 찾을 수 없습니다.', 'File not found.', 'ファイルが見つかりません。'),
  IMAGE_NOT_FOUND: entry(404, '이미지를 찾을 수 없습니다.', 'Image not found.', '画像が見つかりません。'),
  SHORTFORM_NOT_FOUND: entry(
    404,
    '숏폼을 찾을 수 없습니다.',
    'Short-form video not found.',
    'ショート動画が見つかりません。',
  ),
  INVALID_VIDEO: entry(
    400,
    '동영상을 읽을 수 없습니다. 손상되었거나 동영상이 아닌 파일입니다.',
    'The video cannot be read; the file is damaged or not a video.',
    '動画を読み込めません。ファイルが破損しているか動画ではありません。',
  ),
  VIDEO_TOO_LONG: entry(
    400,
    '동영상이 허용된 길이(60초)보다 깁니다.',
    'The video is longer than allowed (60 seconds).',
    '動画が許可された長さ（60秒）を超えています。',
  ),
  VIDEO_NOT_VERTICAL: entry(
    400,
    '세로 동영상만 올릴 수 있습니다.',
    'Only vertical videos can be uploaded.',
    '縦向きの動画のみアップロードできます。',
  ),
  RANGE_NOT_SATISFIABLE: entry(
    416,
    '요청한 범위를 제공할 수 없습니다.',
    'The requested range cannot be served.',
    '要求された範囲を提供できません。',
  ),
  UPLOAD_QUOTA_EXCEEDED: entry(
    429,
    '업로드 한도를 넘었습니다. 잠시 후 다시 시도하세요.',
    'Upload quota exceeded. Try again later.',
    'アップロードの上限を超えました。しばらくしてから再試行してください。',
  ),
  // commerce (cart, addresses, orders, payments, points, reviews, wishlist)
  CART_KEY_REQUIRED: entry(
    400,
    '비회원 장바구니 키(x-cart-key)가 필요합니다.',
    'The guest cart key (x-cart-key header) is required.',
    'ゲストカートキー（x-cart-key）が必要です。',
  ),
  CART_ITEM_NOT_FOUND: entry(
    404,
    '장바구니 항목을 찾을 수 없습니다.',
    'Cart item not found.',
    'カートの商品が見つかりません。',
  ),
  ADDRESS_NOT_FOUND: entry(
    404,
    '배송지를 찾을 수 없습니다.',
    'Address not found.',
    '配送先が見つかりません。',
  ),
  ORDER_NOT_FOUND: entry(404, '주문을 찾을 수 없습니다.', 'Order not found.', '注文が見つかりません。'),
  ORDER_ALREADY_CANCELLED: entry(
    400,
    '이미 취소된 주문입니다.',
    'The order is already cancelled.',
    'この注文はすでにキャンセルされています。',
  ),
  ORDER_CANNOT_CANCEL: entry(
    400,
    '지금 상태에서는 주문을 취소할 수 없습니다.',
    'The order cannot be cancelled in its current status.',
    '現在の状態では注文をキャンセルできません。',
  ),
  PAYMENT_NOT_FOUND: entry(404, '결제를 찾을 수 없습니다.', 'Payment not found.', '決済が見つかりません。'),
  PAYMENT_FAILED: entry(
    402,
    '결제가 승인되지 않았습니다.',
    'The payment was declined.',
    '決済が承認されませんでした。',
  ),
  PAYMENT_ALREADY_REFUNDED: entry(
    409,
    '이미 환불된 결제입니다.',
    'The payment is already refunded.',
    'この決済はすでに返金されています。',
  ),
  PAYMENT_REFUND_REFUSED: entry(
    409,
    '결제 서비스가 환불을 거절했습니다.',
    'The payment gateway refused the refund.',
    '決済サービスが返金を拒否しました。',
  ),
  PAYMENT_GATEWAY_UNAVAILABLE: entry(
    503,
    '결제 서비스에 일시적으로 연결할 수 없습니다. 잠시 후 다시 시도하세요.',
    'The payment gateway is temporarily unavailable. Try again shortly.',
    '決済サービスに一時的に接続できません。しばらくしてから再試行してください。',
  ),
  IDEMPOTENCY_KEY_IN_USE: entry(
    409,
    '같은 Idempotency-Key 요청이 아직 처리 중입니다.',
    'A request with this Idempotency-Key is still in progress.',
    '同じIdempotency-Keyのリクエストがまだ処理中です。',
  ),
  IDEMPOTENCY_KEY_REUSED: entry(
    422,
    '같은 Idempotency-Key가 다른 요청 본문에 사용되었습니다.',
    'This Idempotency-Key was used with a different request body.',
    'このIdempotency-Keyは別のリクエスト本文で使用されています。',
  ),
  REVIEW_NOT_FOUND: entry(404, '리뷰를 찾을 수 없습니다.', 'Review not found.', 'レビューが見つかりません。'),
  REVIEW_ALREADY_EXISTS: entry(
    409,
    '이 주문 상품의 리뷰를 이미 작성했습니다.',
    'A review of this order item already exists.',
    'この注文商品のレビューはすでに作成済みです。',
  ),
  REVIEW_NOT_ALLOWED: entry(
    403,
    '구매 확정된 주문의 상품만 리뷰할 수 있습니다.',
    'Only products of your purchase-confirmed orders can be reviewed.',
    '購入確定した注文の商品のみレビューできます。',
  ),
  INSUFFICIENT_STOCK: entry(400, '재고가 부족합니다.', 'Insufficient stock.', '在庫が不足しています。'),
  INSUFFICIENT_POINT: entry(
    400,
    '포인트가 부족합니다.',
    'Insufficient points.',
    'ポイントが不足しています。',
  ),
  INVALID_STATUS_TRANSITION: entry(
    400,
    '변경할 수 없는 상태입니다.',
    'Invalid status change.',
    '変更できない状態です。',
  ),
  AMOUNT_MISMATCH: entry(
    400,
    '결제 금액이 일치하지 않습니다.',
    'Payment amount mismatch.',
    '決済金額が一致しません。',
  ),
  ALERT_EXISTS: entry(
    409,
    '이미 등록된 알림입니다.',
    'This alert already exists.',
    'このアラートは登録済みです。',
  ),
  SEARCH_UNAVAILABLE: entry(
    503,
    '검색을 일시적으로 사용할 수 없습니다.',
    'Search is temporarily unavailable.',
    '検索は一時的に利用できません。',
  ),
  CRAWLER_BUSY: entry(
    503,
    '수집 대기열이 가득 찼습니다.',
    'The crawler queue is overloaded.',
    'クローラーのキューが混雑しています。',
  ),
  CRAWLER_JOB_NOT_FOUND: entry(
    404,
    '수집 작업을 찾을 수 없습니다.',
    'Crawler job not found.',
    'クローラージョブが見つかりません。',
  ),
  CRAWLER_RUN_NOT_FOUND: entry(
    404,
    '수집 실행 기록을 찾을 수 없습니다.',
    'Crawler run not found.',
    'クローラーの実行記録が見つかりません。',
  ),
  FRAUD_ALERT_NOT_FOUND: entry(
    404,
    '이상 가격 알림을 찾을 수 없습니다.',
    'Fraud alert not found.',
    '異常価格アラートが見つかりません。',
  ),
  MAPPING_NOT_FOUND: entry(
    404,
    '상품 매칭 항목을 찾을 수 없습니다.',
    'Product mapping not found.',
    '商品マッチング項目が見つかりません。',
  ),
  // community and customer service (boards, posts, comments, Q&A, support, FAQ, notices, news)
  BOARD_NOT_FOUND: entry(404, '게시판을 찾을 수 없습니다.', 'Board not found.', '掲示板が見つかりません。'),
  POST_NOT_FOUND: entry(404, '게시글을 찾을 수 없습니다.', 'Post not found.', '投稿が見つかりません。'),
  COMMENT_NOT_FOUND: entry(
    404,
    '댓글을 찾을 수 없습니다.',
    'Comment not found.',
    'コメントが見つかりません。',
  ),
  INQUIRY_NOT_FOUND: entry(
    404,
    '상품 문의를 찾을 수 없습니다.',
    'Inquiry not found.',
    '商品へのお問い合わせが見つかりません。',
  ),
  INQUIRY_ALREADY_ANSWERED: entry(
    409,
    '이미 답변된 문의는 변경하거나 삭제할 수 없습니다.',
    'This inquiry has already been answered; it can no longer be changed or deleted.',
    '回答済みのお問い合わせは変更・削除できません。',
  ),
  TICKET_NOT_FOUND: entry(
    404,
    '문의 티켓을 찾을 수 없습니다.',
    'Support ticket not found.',
    'サポートチケットが見つかりません。',
  ),
  TICKET_CLOSED: entry(
    409,
    '종료된 문의에는 답변을 추가할 수 없습니다.',
    'The ticket is closed; no more replies can be added.',
    'クローズされたチケットには返信できません。',
  ),
  FAQ_NOT_FOUND: entry(404, 'FAQ를 찾을 수 없습니다.', 'FAQ not found.', 'FAQが見つかりません。'),
  NOTICE_NOT_FOUND: entry(
    404,
    '공지사항을 찾을 수 없습니다.',
    'Notice not found.',
    'お知らせが見つかりません。',
  ),
  NEWS_NOT_FOUND: entry(
    404,
    '뉴스를 찾을 수 없습니다.',
    'News article not found.',
    'ニュースが見つかりません。',
  ),
  NEWS_CATEGORY_NOT_FOUND: entry(
    404,
    '뉴스 카테고리를 찾을 수 없습니다.',
    'News category not found.',
    'ニュースカテゴリが見つかりません。',
  ),
  DUPLICATE_SLUG: entry(
    409,
    '이미 사용 중인 슬러그입니다.',
    'This slug is already in use.',
    'このスラッグは既に使用されています。',
  ),
  ATTACHMENT_NOT_ALLOWED: entry(
    400,
    '첨부할 수 없는 파일입니다. 본인이 올린 파일만 첨부할 수 있습니다.',
    'This file cannot be attached: only files you uploaded yourself can be attached.',
    'このファイルは添付できません。ご自身でアップロードしたファイルのみ添付できます。',
  ),
  // realtime and social (chat, notifications, Web Push, friends, badges)
  CHAT_ROOM_NOT_FOUND: entry(
    404,
    '채팅방을 찾을 수 없습니다.',
    'Chat room not found.',
    'チャットルームが見つかりません。',
  ),
  CHAT_ROOM_CLOSED: entry(
    409,
    '종료된 채팅방에는 메시지를 보낼 수 없습니다.',
    'The chat room is closed; no more messages can be sent.',
    '終了したチャットルームにはメッセージを送れません。',
  ),
  NOTIFICATION_NOT_FOUND: entry(
    404,
    '알림을 찾을 수 없습니다.',
    'Notification not found.',
    '通知が見つかりません。',
  ),
  PUSH_SUBSCRIPTION_INVALID: entry(
    422,
    '푸시 구독 정보가 올바르지 않습니다.',
    'The push subscription is invalid.',
    'プッシュ購読情報が正しくありません。',
  ),
  PUSH_NOT_CONFIGURED: entry(
    503,
    '푸시 발송이 설정되지 않았습니다. VAPID 키를 설정하세요.',
    'Web Push is not configured: set the VAPID keys.',
    'プッシュ送信が設定されていません。VAPIDキーを設定してください。',
  ),
  FRIEND_REQUEST_NOT_FOUND: entry(
    404,
    '친구 요청을 찾을 수 없습니다.',
    'Friend request not found.',
    '友達リクエストが見つかりません。',
  ),
  FRIEND_REQUEST_EXISTS: entry(
    409,
    '이미 친구이거나 대기 중인 친구 요청이 있습니다.',
    'You are already friends, or a request is pending.',
    '既に友達か、保留中のリクエストがあります。',
  ),
  FRIEND_NOT_FOUND: entry(
    404,
    '친구 관계가 아닙니다.',
    'This member is not your friend.',
    '友達ではありません。',
  ),
  USER_BLOCKED_BY_MEMBER: entry(
    403,
    '차단 관계인 회원과는 할 수 없는 작업입니다.',
    'Not possible between members where one has blocked the other.',
    'ブロック関係にある会員とはできない操作です。',
  ),
  BADGE_NOT_FOUND: entry(404, '배지를 찾을 수 없습니다.', 'Badge not found.', 'バッジが見つかりません。'),
  BADGE_ALREADY_GRANTED: entry(
    409,
    '이미 보유한 배지입니다.',
    'The member already holds this badge.',
    'このバッジは既に付与されています。',
  ),
  // discovery and trust (activity, rankings, recommendations, deals, compare bar, seller trust, i18n)
  SEARCH_HISTORY_NOT_FOUND: entry(
    404,
    '검색 기록을 찾을 수 없습니다.',
    'Search history entry not found.',
    '検索履歴が見つかりません。',
  ),
  RECOMMENDATION_NOT_FOUND: entry(
    404,
    '추천 항목을 찾을 수 없습니다.',
    'Recommendation not found.',
    'おすすめ項目が見つかりません。',
  ),
  DEAL_NOT_FOUND: entry(404, '특가를 찾을 수 없습니다.', 'Deal not found.', 'セールが見つかりません。'),
  COMPARE_LIMIT_EXCEEDED: entry(
    400,
    '비교함에는 최대 4개 상품까지 담을 수 있습니다.',
    'The compare bar holds at most 4 products.',
    '比較リストには最大4商品まで追加できます。',
  ),
  SELLER_REVIEW_NOT_FOUND: entry(
    404,
    '판매자 리뷰를 찾을 수 없습니다.',
    'Seller review not found.',
    '販売者レビューが見つかりません。',
  ),
  SELLER_REVIEW_EXISTS: entry(
    409,
    '이 주문에 대한 판매자 리뷰가 이미 있습니다.',
    'This order already has a review of the seller.',
    'この注文の販売者レビューは既にあります。',
  ),
  SELLER_REVIEW_NOT_ALLOWED: entry(
    403,
    '이 판매자에게서 구매한 주문으로만 리뷰를 작성할 수 있습니다.',
    'Only an order of yours from this seller can be reviewed.',
    'この販売者からのご自身の注文でのみレビューできます。',
  ),
  TRANSLATION_NOT_FOUND: entry(
    404,
    '번역 항목을 찾을 수 없습니다.',
    'Translation not found.',
    '翻訳項目が見つかりません。',
  ),
  CURRENCY_NOT_SUPPORTED: entry(
    400,
    '지원하지 않는 통화입니다. KRW, USD, JPY 중 하나를 사용하세요.',
    'Unsupported currency: use KRW, USD or JPY.',
    'サポートされていない通貨です。KRW、USD、JPYのいずれかを使用してください。',
  ),
  EXCHANGE_RATE_UNAVAILABLE: entry(
    503,
    '환율 정보를 아직 가져오지 못했습니다. 잠시 후 다시 시도하세요.',
    'No exchange rate has been fetched yet; try again shortly.',
    '為替レートをまだ取得できていません。しばらくしてから再試行してください。',
  ),
  // verticals (PC builder, used market, auto, reverse auctions)
  PC_BUILD_NOT_FOUND: entry(
    404,
    'PC 견적을 찾을 수 없습니다.',
    'PC build not found.',
    'PC見積もりが見つかりません。',
  ),
  PC_BUILD_PART_NOT_FOUND: entry(
    404,
    'PC 견적의 부품을 찾을 수 없습니다.',
    'Part not found in this build.',
    '見積もりの部品が見つかりません。',
  ),
  INCOMPATIBLE_PARTS: entry(
    400,
    '호환되지 않는 부품 조합입니다.',
    'These parts are not compatible.',
    '互換性のない部品の組み合わせです。',
  ),
  PC_PART_TYPE_MISMATCH: entry(
    400,
    '이 상품은 선택한 부품 종류가 아닙니다.',
    'This product is not a part of the chosen type.',
    'この商品は選択した部品の種類ではありません。',
  ),
  PC_BUILD_PART_LIMIT: entry(
    400,
    'PC 견적에 담을 수 있는 부품 수를 넘었습니다.',
    'This build holds as many parts as a build may.',
    'PC見積もりに入れられる部品の数を超えました。',
  ),
  COMPATIBILITY_RULE_INVALID: entry(
    400,
    '호환성 규칙의 검사 내용이 올바르지 않습니다.',
    'The compatibility rule does not define a valid check.',
    '互換性ルールのチェック内容が正しくありません。',
  ),
  COMPATIBILITY_RULE_NAME_TAKEN: entry(
    409,
    '같은 이름의 호환성 규칙이 이미 있습니다.',
    'A compatibility rule with this title already exists.',
    '同じ名前の互換性ルールが既にあります。',
  ),
  COMPATIBILITY_RULE_NOT_FOUND: entry(
    404,
    '호환성 규칙을 찾을 수 없습니다.',
    'Compatibility rule not found.',
    '互換性ルールが見つかりません。',
  ),
  USED_PRICE_NOT_FOUND: entry(
    404,
    '중고 시세 정보가 없습니다.',
    'No used-market prices are known for this product.',
    '中古相場の情報がありません。',
  ),
  CAR_MODEL_NOT_FOUND: entry(
    404,
    '차량 모델을 찾을 수 없습니다.',
    'Car model not found.',
    '車種が見つかりません。',
  ),
  CAR_TRIM_NOT_FOUND: entry(
    404,
    '차량 트림을 찾을 수 없습니다.',
    'Car trim not found.',
    'グレードが見つかりません。',
  ),
  CAR_OPTION_NOT_FOUND: entry(
    404,
    '선택한 트림에 없는 옵션입니다.',
    'The option is not an option of this trim.',
    '選択したグレードにないオプションです。',
  ),
  CAR_TAX_RATE_NOT_FOUND: entry(
    422,
    '해당 날짜에 적용할 자동차 세율 정보가 없습니다.',
    'No car tax rate is known for that date.',
    'その日付に適用する自動車の税率がありません。',
  ),
  AUCTION_NOT_FOUND: entry(
    404,
    '역경매를 찾을 수 없습니다.',
    'Reverse auction not found.',
    '逆オークションが見つかりません。',
  ),
  AUCTION_CLOSED: entry(
    400,
    '이미 종료된 역경매입니다.',
    'The reverse auction is already closed.',
    '既に終了した逆オークションです。',
  ),
  BID_NOT_FOUND: entry(404, '입찰을 찾을 수 없습니다.', 'Bid not found.', '入札が見つかりません。'),
  BID_TOO_LOW: entry(
    400,
    '입찰 금액이 너무 낮습니다.',
    'The bid amount is too low.',
    '入札金額が低すぎます。',
  ),
  BID_EXISTS: entry(
    409,
    '이 역경매에 이미 입찰했습니다. 기존 입찰을 수정하세요.',
    'You already bid on this auction; edit your bid instead.',
    'この逆オークションには既に入札しています。既存の入札を編集してください。',
  ),
  // resilience (ops §2.B.5)
  CIRCUIT_BREAKER_NOT_FOUND: entry(
    404,
    '해당 이름의 서킷 브레이커를 가진 프로세스가 없습니다.',
    'No running process holds a circuit breaker of this name.',
    'この名前のサーキットブレーカーを持つプロセスがありません。',
  ),
} as const satisfies Record<string, CatalogEntry>;

export type ErrorCode = keyof typeof errorCatalog;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(errorCatalog, value);
}

/** Picks ko, en or ja from an Accept-Language header (quality values honoured); Korean by default. */
export function languageFrom(header: string | undefined): Language {
  if (!header) return 'ko';
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((param) => /^\s*q=([0-9.]+)\s*$/.exec(param)?.[1]).find(Boolean);
      return { base: tag.split('-')[0] ?? '', quality: q === undefined ? 1 : Number(q), index };
    })
    .filter((item) => item.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  return (
    (ranked.find((item) => (languages as readonly string[]).includes(item.base))?.base as Language) ?? 'ko'
  );
}

export function messageOf(code: ErrorCode, language: Language): string {
  return errorCatalog[code].message[language];
}

/** An error a client is meant to see: a catalog code, optionally with details for the fields at fault. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    options: { details?: unknown; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(errorCatalog[code].message.en, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = errorCatalog[code].status;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

<?php

use App\Http\Controllers\OssCallbackController;
use Illuminate\Http\Request;
use Illuminate\Support\Facades\Route;

// The OSS callback: a POST route for every path of OssCallbackController::CALLBACK_PATHS ('*' there
// is any rest of the path); VerifyCsrfToken exempts the same list. Add your paths there.
foreach (OssCallbackController::CALLBACK_PATHS as $path) {
    Route::any(str_replace('*', '{rest}', $path), OssCallbackController::class)->where('rest', '.*');
}

// The rest of the app (a stand-in for yours): a session-backed page and a CSRF-protected form.
Route::get('/', function (Request $request) {
    $visits = $request->session()->get('visits', 0) + 1;
    $request->session()->put('visits', $visits);
    return response()->json(['app' => 'oss-callback', 'visits' => $visits]);
});

Route::post('/notes', function (Request $request) {
    return response()->json(['saved' => (string) $request->input('text')]);
});
